import { identifyInput } from '../messages/message-inputs';
import { messageAction } from './message-action';

export const identify = messageAction('identify', 'Identify', 'Sends an identify call: who the user is and their traits.', identifyInput);
