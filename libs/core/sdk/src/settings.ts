import { z } from 'zod';

/**
 * Settings are a zod object: one schema gives the host its validation, the connector its types
 * (`z.infer`) and the admin API its JSON Schema. Secret fields are marked with `secret()`; the
 * host stores them in the vault, apart from plain settings, and never returns them.
 */
export type SettingsSchema = z.ZodObject<z.ZodRawShape>;

export interface FieldMeta {
  title?: string;
  description?: string;
  examples?: unknown[];
}

/** Marks a settings field as secret (stored encrypted, write-only in the API). */
export function secret<T extends z.ZodType>(schema: T, meta: FieldMeta = {}): T {
  return schema.meta({ ...meta, secret: true, writeOnly: true }) as T;
}

/** Adds a human label and description to a field, shown by the admin UI. */
export function field<T extends z.ZodType>(schema: T, meta: FieldMeta): T {
  return schema.meta({ ...meta }) as T;
}

export type JsonSchema = Record<string, unknown>;

/** The JSON Schema (2020-12) of a zod schema as a client should send it. */
export function toJsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

/** Top-level keys of a settings schema marked with `secret()`. */
export function secretKeys(settings: SettingsSchema): string[] {
  const json = toJsonSchema(settings) as { properties?: Record<string, { secret?: boolean }> };
  return Object.entries(json.properties ?? {})
    .filter(([, prop]) => prop?.secret === true)
    .map(([key]) => key);
}

/** Splits validated settings into plain values and secret values. */
export function splitSecrets(
  settings: SettingsSchema,
  values: Record<string, unknown>,
): { plain: Record<string, unknown>; secrets: Record<string, unknown> } {
  const keys = new Set(secretKeys(settings));
  const plain: Record<string, unknown> = {};
  const secrets: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    (keys.has(key) ? secrets : plain)[key] = value;
  }
  return { plain, secrets };
}
