import { groupInput } from '../messages/message-inputs';
import { messageAction } from './message-action';

export const group = messageAction('group', 'Group', 'Sends a group call: links the user to an account (group) and sets its traits.', groupInput);
