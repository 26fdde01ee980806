import { z } from 'zod';
import { parseKeyring } from './keyring';

const url = (protocols: string[]) =>
  z.string().refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);

const port = z.coerce.number().int().min(1, 'must be a port number (1-65535)').max(65535, 'must be a port number (1-65535)');
const bool = z.enum(['true', 'false']).transform((v) => v === 'true');

/**
 * Every variable the hub reads. Parsed once at boot: a bad value stops the process with a message
 * naming the variable, before any connection is opened.
 */
export const envSchema = z.object({
  DATABASE_URL: url(['postgres:', 'postgresql:']).default('postgres://postgres@127.0.0.1:5432/hub'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  REDIS_URL: url(['redis:', 'rediss:']).default('redis://127.0.0.1:6379'),
  HUB_REDIS_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -')
    .default('hub'),
  HUB_REDIS_POLICY: z.enum(['warn', 'refuse']).default('warn'),
  ADMIN_PORT: port.default(3000),
  WORKER_PORT: port.default(3001),
  HUB_PUBLIC_URL: url(['http:', 'https:']).default('http://localhost:3000'),
  HUB_ADMIN_EMAIL: z.email('must be an email address').optional(),
  HUB_ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  HUB_ENCRYPTION_KEYS: z
    .string({ error: 'is required: a keyring such as "k1:<base64 of 32 random bytes>" (see README)' })
    .transform((value, ctx) => {
      try {
        return parseKeyring(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
  HUB_SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 30).default(12),
  HUB_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  HUB_JOBS_KEEP_COMPLETED: z.coerce.number().int().min(0).default(1000),
  HUB_JOBS_KEEP_FAILED: z.coerce.number().int().min(0).default(5000),
  HUB_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  // Profiles (@hub/profiles): processed inbox rows are deleted after this many hours; the relay
  // re-enqueues drains for inbox rows left pending longer than its interval (Redis lost the job).
  HUB_INBOX_RETENTION_HOURS: z.coerce.number().int().min(1).max(24 * 365).default(168),
  HUB_INBOX_RELAY_INTERVAL_MS: z.coerce.number().int().min(250).max(600_000).default(5000),
  HUB_TRUST_PROXY: bool.default(false),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  // Segment source (@hub/delivery): a custom `endpoint` setting (a local stand-in) is refused
  // unless this is true; the relay re-enqueues flushes of deliveries left queued; lanes are the
  // concurrent claim-send loops of one flush job.
  HUB_SEGMENT_ALLOW_CUSTOM_HOST: bool.default(false),
  HUB_DELIVERY_RELAY_INTERVAL_MS: z.coerce.number().int().min(250).max(600_000).default(10_000),
  HUB_DELIVERY_LANES: z.coerce.number().int().min(1).max(32).default(2),
  // OAuth providers of the vault: a provider is offered when its client id is set. The vault's
  // provider loader checks them together at boot (a client id without its secret, a bad URL).
  HUB_OAUTH_SALESFORCE_CLIENT_ID: z.string().optional(),
  HUB_OAUTH_SALESFORCE_CLIENT_SECRET: z.string().optional(),
  HUB_OAUTH_GENERIC_NAME: z.string().max(100).optional(),
  HUB_OAUTH_GENERIC_CLIENT_ID: z.string().optional(),
  HUB_OAUTH_GENERIC_CLIENT_SECRET: z.string().optional(),
  HUB_OAUTH_GENERIC_AUTHORIZE_URL: z.string().optional(),
  HUB_OAUTH_GENERIC_TOKEN_URL: z.string().optional(),
  HUB_OAUTH_GENERIC_SCOPES: z.string().optional(),
  HUB_OAUTH_GENERIC_AUTHORIZE_PARAMS: z.string().optional(),
  HUB_OAUTH_GENERIC_KEEP_FIELDS: z.string().optional(),
});

export type HubEnv = z.output<typeof envSchema>;
