import { defineConnector } from '@hub/sdk';
import { partnerDelivery, webhookDelivery } from './inbound/partner-delivery.route';
import { trackingApi } from './inbound/tracking-api.route';
import { settings } from './segment-destination.settings';

/**
 * Segment sends the workspace's events to the hub. All of it is inbound: the host serves the
 * routes, checks the keys it issued, and stores what `ctx.emit` hands it; this definition holds
 * only the Segment-specific reading of requests.
 */
export const segmentDestinationConnector = defineConnector({
  id: 'segment-destination',
  version: '1.0.0',
  name: 'Segment (destination)',
  description:
    'Receives events from Segment (partner destination or Webhooks) and from any Segment library pointed at the hub, and builds accounts, users and product events from them.',
  category: 'destination',
  settings,
  auth: { type: 'none' },
  inboundKeys: {
    apiKey: {
      title: 'Inbound API key',
      description: 'Paste it as the API key of the Segment destination (sent as Basic auth to /hooks/segment).',
    },
    writeKey: {
      title: 'Tracking API write key',
      description: 'The write key of a Segment library whose host points at the hub (/v1/batch, /v1/track, ...).',
    },
  },
  inboundSecret: {
    title: 'Webhooks shared secret',
    description: 'Paste it as the shared secret of a Segment Webhooks destination posting to /hooks/segment/<installation id>.',
  },

  async check() {
    return {
      ok: true,
      message:
        'Ready to receive: paste the inbound API key into the Segment destination, or use the write key with a Segment library pointed at the hub',
    };
  },

  inbound: { partnerDelivery, webhookDelivery, trackingApi },
});
