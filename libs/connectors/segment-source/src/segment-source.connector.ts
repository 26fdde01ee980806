import { defineConnector } from '@hub/sdk';
import { sendPing } from './actions/send-ping.action';
import { syncRecords } from './jobs/sync-records.job';
import { apiUrl, authHeaders, settings } from './segment-source.settings';

export const segmentSourceConnector = defineConnector({
  id: 'segment-source',
  version: '0.1.0',
  name: 'Segment Source',
  description: 'Connects the hub to Segment Source.',
  category: 'destination',
  settings,
  auth: { type: 'apiKey', label: 'API key' },
  limits: { concurrency: 4, ratePerSecond: 10 },

  async check(ctx) {
    const where = ctx.settings.baseUrl;
    let status: number;
    try {
      const res = await ctx.http.request({
        method: 'GET',
        url: apiUrl(ctx.settings, 'v1/me'),
        headers: authHeaders(ctx.settings),
        timeoutMs: 10_000,
      });
      status = res.status;
    } catch (error) {
      return {
        ok: false,
        message: `Could not reach Segment Source at ${where} (${(error as Error).message}). Check the API base URL and that the hub can reach it.`,
      };
    }
    if (status >= 200 && status < 300) return { ok: true, message: `Connected to Segment Source at ${where}.` };
    if (status === 401 || status === 403) {
      return {
        ok: false,
        message: `Segment Source refused the API key (HTTP ${status}). Create a new key in Segment Source and paste it here.`,
      };
    }
    return {
      ok: false,
      message: `Segment Source answered HTTP ${status} at ${where}. Check the API base URL, or try again if Segment Source is having an outage.`,
    };
  },

  actions: { sendPing },
  jobs: { syncRecords },
});
