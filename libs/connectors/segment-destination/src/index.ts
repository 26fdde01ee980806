export { segmentDestinationConnector } from './segment-destination.connector';
export { segmentSignature, verifySegmentSignature } from './inbound/webhook-signature';
export { parseDelivery, MAX_DELIVERY_BYTES, MAX_DELIVERY_EVENTS } from './inbound/delivery-body';
export { parseTrackingRequest, trackingEndpoint, MAX_TRACKING_BODY_BYTES } from './inbound/tracking-api';
