export { segmentDestinationConnector } from './segment-destination.connector';
