import { defineConnector } from '@hub/sdk';
import { sendPing } from './actions/send-ping.action';
import { syncRecords } from './jobs/sync-records.job';
import { apiUrl, settings } from './segment-destination.settings';

export const segmentDestinationConnector = defineConnector({
  id: 'segment-destination',
  version: '0.1.0',
  name: 'Segment Destination',
  description: 'Connects the hub to Segment Destination.',
  category: 'destination',
  settings,
  auth: { type: 'none' },
  limits: { concurrency: 4, ratePerSecond: 10 },

  async check(ctx) {
    const where = ctx.settings.baseUrl;
    let status: number;
    try {
      const res = await ctx.http.request({
        method: 'GET',
        url: apiUrl(ctx.settings, 'v1/me'),
        timeoutMs: 10_000,
      });
      status = res.status;
    } catch (error) {
      return {
        ok: false,
        message: `Could not reach Segment Destination at ${where} (${(error as Error).message}). Check the API base URL and that the hub can reach it.`,
      };
    }
    if (status >= 200 && status < 300) return { ok: true, message: `Connected to Segment Destination at ${where}.` };
    if (status === 401 || status === 403) {
      return {
        ok: false,
        message: `Segment Destination refused the request (HTTP ${status}). Check that ${where} is the right API base URL.`,
      };
    }
    return {
      ok: false,
      message: `Segment Destination answered HTTP ${status} at ${where}. Check the API base URL, or try again if Segment Destination is having an outage.`,
    };
  },

  actions: { sendPing },
  jobs: { syncRecords },
});
