import { z } from 'zod';

const settingsObject = z.custom<Record<string, unknown>>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  'must be an object of settings',
);

export const createInstallationBody = z
  .object({
    connectorId: z.string().min(1).max(64),
    name: z.string().trim().min(1).max(200),
    settings: settingsObject.optional(),
    credentialId: z.uuid().nullable().optional(),
    enabled: z.boolean().optional(),
  })
  .strict();
export type CreateInstallationBody = z.output<typeof createInstallationBody>;

export const updateInstallationBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    /** Merged into the stored settings: see `mergeSettings`. */
    settings: settingsObject.optional(),
    credentialId: z.uuid().nullable().optional(),
    enabled: z.boolean().optional(),
  })
  .strict();
export type UpdateInstallationBody = z.output<typeof updateInstallationBody>;

export const invokeActionBody = z.object({ input: z.unknown() }).strict();
export type InvokeActionBody = z.output<typeof invokeActionBody>;
