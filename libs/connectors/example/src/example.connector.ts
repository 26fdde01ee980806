import { defineConnector } from '@hub/sdk';
import { sendPing } from './actions/send-ping.action';
import { syncRecords } from './jobs/sync-records.job';
import { apiUrl, authHeaders, settings } from './example.settings';

export const exampleConnector = defineConnector({
  id: 'example',
  version: '0.1.0',
  name: 'Example',
  description: 'Connects the hub to Example.',
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
        message: `Could not reach Example at ${where} (${(error as Error).message}). Check the API base URL and that the hub can reach it.`,
      };
    }
    if (status >= 200 && status < 300) return { ok: true, message: `Connected to Example at ${where}.` };
    if (status === 401 || status === 403) {
      return {
        ok: false,
        message: `Example refused the API key (HTTP ${status}). Create a new key in Example and paste it here.`,
      };
    }
    return {
      ok: false,
      message: `Example answered HTTP ${status} at ${where}. Check the API base URL, or try again if Example is having an outage.`,
    };
  },

  actions: { sendPing },
  jobs: { syncRecords },
});
