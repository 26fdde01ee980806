import { buildUrl, connectorKit, field } from '@hub/sdk';
import { z } from 'zod';

export const settings = z.object({
  baseUrl: field(z.url().default('https://api.segment-destination.test'), {
    title: 'API base URL',
    description: 'Root of the Segment Destination API. Change it for a sandbox or a regional endpoint.',
  }),
});

export type Settings = z.output<typeof settings>;

export const { action, job } = connectorKit(settings);

export function apiUrl(s: Settings, path: string): string {
  return buildUrl(path, s.baseUrl);
}
