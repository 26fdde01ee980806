import { trackInput } from '../messages/message-inputs';
import { messageAction } from './message-action';

export const track = messageAction('track', 'Track', 'Sends a track call: an action the user performed, with its properties.', trackInput);
