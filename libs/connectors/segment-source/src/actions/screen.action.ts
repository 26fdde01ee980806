import { screenInput } from '../messages/message-inputs';
import { messageAction } from './message-action';

export const screen = messageAction('screen', 'Screen', 'Sends a screen call: a mobile screen the user viewed.', screenInput);
