import { aliasInput } from '../messages/message-inputs';
import { messageAction } from './message-action';

export const alias = messageAction('alias', 'Alias', 'Sends an alias call: merges a previous id into a user id.', aliasInput);
