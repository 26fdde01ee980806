import { buildUrl, connectorKit, field, secret } from '@hub/sdk';
import { z } from 'zod';

export const settings = z.object({
  baseUrl: field(z.url().default('https://api.segment-source.test'), {
    title: 'API base URL',
    description: 'Root of the Segment Source API. Change it for a sandbox or a regional endpoint.',
  }),
  apiKey: secret(z.string().min(1, 'Paste the API key from Segment Source'), {
    title: 'API key',
    description: 'Created in Segment Source under Settings > API. Stored encrypted, never shown again.',
  }),
});

export type Settings = z.output<typeof settings>;

export const { action, job } = connectorKit(settings);

export function apiUrl(s: Settings, path: string): string {
  return buildUrl(path, s.baseUrl);
}

/** Auth is applied here and only here; actions and jobs pass these headers on every call. */
export function authHeaders(s: Settings): Record<string, string> {
  return { authorization: `Bearer ${s.apiKey}` };
}
