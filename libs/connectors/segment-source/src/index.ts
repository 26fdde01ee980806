export { segmentSourceConnector } from './segment-source.connector';
