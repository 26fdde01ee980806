import { defineConnector } from '@hub/sdk';
import { alias } from './actions/alias.action';
import { apiCall } from './actions/api-call.action';
import { group } from './actions/group.action';
import { identify } from './actions/identify.action';
import { page } from './actions/page.action';
import { screen } from './actions/screen.action';
import { track } from './actions/track.action';
import { checkConnection } from './segment-source.check';
import { settings } from './segment-source.settings';

export const segmentSourceConnector = defineConnector({
  id: 'segment-source',
  version: '1.0.0',
  name: 'Segment (source)',
  description:
    "Sends identify, track, group, page, screen, alias and custom Tracking API calls to Segment with a source's write key, through @segment/analytics-node.",
  category: 'destination',
  settings,
  // The write key is a secret setting (sealed by the host in installation_secrets), not a vault credential.
  auth: { type: 'none' },
  // Segment allows about 1,000 requests/s per workspace; each of our requests carries up to 2,500 events.
  limits: { concurrency: 4 },
  check: checkConnection,
  actions: { identify, track, group, page, screen, alias, apiCall },
});
