import { pageInput } from '../messages/message-inputs';
import { messageAction } from './message-action';

export const page = messageAction('page', 'Page', 'Sends a page call: a web page the user viewed.', pageInput);
