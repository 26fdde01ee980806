import { AuthError, type InboundContext, type InboundRequest, type InboundResponse, parseJsonBody } from '@hub/sdk';
import { inbound, type Settings } from '../segment-destination.settings';
import { answerFor, message, quote } from './answers';
import { MAX_DELIVERY_BYTES, MAX_DELIVERY_EVENTS, parseDelivery } from './delivery-body';
import { verifySegmentSignature } from './webhook-signature';

/**
 * One delivery from Segment: a message, `{"batch": [...]}` or an array. `X-Segment-Settings`
 * (base64 JSON of the destination's settings, the API key among them) is tolerated and not read:
 * nothing in it changes how the hub stores events.
 */
async function handleDelivery(req: InboundRequest, ctx: InboundContext<Settings>): Promise<InboundResponse> {
  const delivery = parseDelivery(parseJsonBody(req.rawBody));
  if (delivery.kind === 'unsupported') {
    return message(
      501,
      `Segment ${quote(delivery.type)} messages are not supported: the hub takes identify, track, page, screen, group and alias`,
    );
  }
  if (delivery.kind === 'too-many') {
    return message(413, `The batch has ${delivery.count} events, over the limit of ${MAX_DELIVERY_EVENTS}`);
  }
  return answerFor(await ctx.emit(delivery.events), delivery.single);
}

/** Partner ("direct") destination deliveries: `Authorization: Basic base64("<api key>:")`. */
export const partnerDelivery = inbound({
  title: 'Segment destination deliveries',
  path: '/hooks/segment',
  auth: [{ type: 'key', key: 'apiKey' }],
  maxBodyBytes: MAX_DELIVERY_BYTES,
  handle: handleDelivery,
});

/**
 * Webhooks destination deliveries to the installation's own URL: signed with `X-Signature` (the
 * shared secret the hub issued), or, for senders that can set headers, the Basic API key.
 */
export const webhookDelivery = inbound({
  title: 'Segment Webhooks deliveries',
  path: '/hooks/segment/:installationId',
  auth: [
    { type: 'key', key: 'apiKey' },
    { type: 'signature', param: 'installationId' },
  ],
  maxBodyBytes: MAX_DELIVERY_BYTES,
  verify(req, ctx) {
    if (ctx.auth?.method !== 'signature') return;
    const signature = req.headers['x-signature'];
    if (!signature) throw new AuthError('X-Signature is missing: set the shared secret in the Segment Webhooks destination, or send the API key');
    if (!verifySegmentSignature(req.rawBody, signature, ctx.auth.sharedSecret, () => parseJsonBody(req.rawBody))) {
      throw new AuthError('X-Signature does not match the body: check the shared secret in the Segment Webhooks destination');
    }
  },
  handle: handleDelivery,
});
