import { type InboundResponse, parseJsonBody } from '@hub/sdk';
import { inbound } from '../segment-destination.settings';
import { answerFor, message, quote } from './answers';
import { MAX_TRACKING_BODY_BYTES, parseTrackingRequest, trackingEndpoint } from './tracking-api';

// analytics.js posts from browsers as a CORS "simple request" (text/plain, no credentials).
const CORS = { 'access-control-allow-origin': '*' };
const withCors = (res: InboundResponse): InboundResponse => ({ ...res, headers: { ...res.headers, ...CORS } });

/**
 * The Segment HTTP Tracking API, so a Segment library pointed at the hub just works: the write key
 * as Basic auth (analytics-node) or as `writeKey` in the body (analytics.js).
 */
export const trackingApi = inbound({
  title: 'Segment HTTP Tracking API',
  path: '/v1/:type',
  auth: [{ type: 'key', key: 'writeKey', bodyField: 'writeKey' }],
  maxBodyBytes: MAX_TRACKING_BODY_BYTES,
  async handle(req, ctx) {
    const segment = req.params?.['type'];
    const endpoint = trackingEndpoint(segment);
    if (!endpoint) {
      return withCors(
        message(404, `No Tracking API endpoint /v1/${quote(segment ?? '')}: use identify, track, page, screen, group, alias or batch`),
      );
    }
    const request = parseTrackingRequest(endpoint, parseJsonBody(req.rawBody));
    return withCors(answerFor(await ctx.emit(request.events, request.options), request.single));
  },
});
