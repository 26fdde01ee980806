import { z } from 'zod';

const text = (max: number) => z.string().trim().min(1).max(max);
const secretText = (max: number) => z.string().min(1).max(max);

/** Non-secret token facts (Salesforce's `instance_url`, `id`, ...), shown in the masked view. */
const metadata = z
  .record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'keys are 1-64 letters, digits, _ . or -'), z.string().max(2048))
  .refine((m) => Object.keys(m).length <= 32, 'at most 32 entries');

const base = {
  label: text(200),
  provider: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lowercase letters, digits and -, at most 64')
    .optional(),
  metadata: metadata.optional(),
};

export const apiKeySecrets = z.strictObject({ apiKey: secretText(4096) });
export const basicSecrets = z.strictObject({ username: secretText(1024), password: secretText(4096) });
export const oauth2Secrets = z.strictObject({
  accessToken: secretText(16_384),
  refreshToken: secretText(16_384).optional(),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});

/** `POST /credentials`: the secret fields depend on `type`; any unknown field is a 400 naming it. */
export const createCredentialBody = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('apiKey'), ...base, secrets: apiKeySecrets }),
  z.strictObject({ type: z.literal('basic'), ...base, secrets: basicSecrets }),
  z.strictObject({ type: z.literal('oauth2'), ...base, secrets: oauth2Secrets }),
]);
export type CreateCredentialBody = z.infer<typeof createCredentialBody>;

/** What is sealed: the secret fields only, never the metadata or the expiry. */
export type SealedSecrets =
  | { type: 'apiKey'; apiKey: string }
  | { type: 'basic'; username: string; password: string }
  | { type: 'oauth2'; accessToken: string; refreshToken?: string };
