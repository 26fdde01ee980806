import { connectorKit, field, secret } from '@hub/sdk';
import { z } from 'zod';

/** Segment's Tracking API hosts per region (PROTOCOLS.md). */
export const REGION_HOSTS = {
  us: 'https://api.segment.io',
  eu: 'https://events.eu1.segmentapis.com',
} as const;

export type Region = keyof typeof REGION_HOSTS;

/**
 * The name of the hub variable that must be `true` before an installation may set `endpoint`.
 * The connector never reads it (connectors get no environment): the host refuses the setting on
 * save and at run time unless the variable is on, because the field carries it as
 * `hubGate` metadata (see @hub/host's installation-settings, "gated settings").
 */
export const CUSTOM_ENDPOINT_GATE = 'HUB_SEGMENT_ALLOW_CUSTOM_HOST';

/** Segment write keys are opaque; these bounds catch a pasted URL, a secret of another service or a truncated key. */
export const WRITE_KEY_SHAPE = /^[A-Za-z0-9_-]{16,128}$/;

const endpointUrl = z
  .url({ error: 'must be an absolute URL such as http://127.0.0.1:4010' })
  .refine((value) => {
    const u = new URL(value);
    return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password && u.pathname === '/' && !u.search && !u.hash;
  }, 'must be http(s)://host[:port] with no path, query, fragment or credentials');

export const settings = z.object({
  region: field(z.enum(['us', 'eu'], { error: 'must be "us" or "eu"' }).default('us'), {
    title: 'Region',
    description:
      "Where the Segment workspace stores its data: us -> api.segment.io, eu -> events.eu1.segmentapis.com. Sending an EU workspace's data to the US host fails silently: Segment answers 200 and the data never appears.",
  }),
  writeKey: secret(
    z
      .string({ error: 'Paste the write key of a Segment source (Connections > Sources > your source > Settings > API Keys)' })
      .trim()
      .regex(WRITE_KEY_SHAPE, 'does not look like a Segment write key (16-128 letters, digits, "-" or "_")'),
    {
      title: 'Write key',
      description: 'The write key of the Segment source the hub sends as. Stored encrypted, never shown again.',
    },
  ),
  endpoint: endpointUrl
    .optional()
    .meta({
      title: 'Custom endpoint (tests only)',
      description: `Sends to this host instead of the region's, e.g. a local Tracking API stand-in. Refused unless the hub runs with ${CUSTOM_ENDPOINT_GATE}=true.`,
      hubGate: CUSTOM_ENDPOINT_GATE,
    }),
});

export type Settings = z.output<typeof settings>;

export const { action } = connectorKit(settings);

/** Where requests go, and whether it is a Segment host (public addresses only) or the gated stand-in. */
export interface SendTarget {
  origin: string;
  /** Only a custom endpoint (allowed by the host's gate) may live on a private or loopback address. */
  custom: boolean;
  label: string;
}

export function sendTarget(s: Settings): SendTarget {
  if (s.endpoint) {
    const origin = new URL(s.endpoint).origin;
    return { origin, custom: true, label: `the custom endpoint ${origin}` };
  }
  return { origin: REGION_HOSTS[s.region], custom: false, label: `Segment (${s.region.toUpperCase()}, ${REGION_HOSTS[s.region]})` };
}

export function basicAuth(writeKey: string): string {
  return `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
}
