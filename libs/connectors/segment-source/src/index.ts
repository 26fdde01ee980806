export { segmentSourceConnector } from './segment-source.connector';
export { CUSTOM_ENDPOINT_GATE, REGION_HOSTS } from './segment-source.settings';
export { SEGMENT_LIMITS } from './sending/batch-plan';
