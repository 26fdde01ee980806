import type { FieldProblem } from '@hub/http';
import { splitSecrets, type SettingsSchema } from '@hub/sdk';
import type { z } from 'zod';

/**
 * What a secret setting looks like in a response. Chosen over a separate `secretsSet` list so a
 * form can show "set" in the field itself; a PATCH that sends the mask back (a client that
 * round-trips the object it read) keeps the stored secret instead of saving the mask.
 */
export const SECRET_MASK = '••••••';

type Values = Record<string, unknown>;

/** Own-property write that stays safe for keys such as `__proto__` (they reach validation as typos). */
function setOwn(target: Values, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** On create: a secret sent as the mask is "not provided", so a required one is reported missing. */
export function withoutMasks(values: Values, secretKeys: readonly string[]): Values {
  const out: Values = {};
  for (const [key, value] of Object.entries(values)) {
    if (secretKeys.includes(key) && value === SECRET_MASK) continue;
    setOwn(out, key, value);
  }
  return out;
}

/**
 * PATCH semantics: keys sent replace stored ones, `null` removes a key (back to its default or
 * "unset"), omitted keys keep their value, and a secret sent as the mask keeps its stored value.
 */
export function mergeSettings(stored: Values, patch: Values, secretKeys: readonly string[]): Values {
  const out: Values = {};
  for (const [key, value] of Object.entries(stored)) setOwn(out, key, value);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else if (secretKeys.includes(key) && value === SECRET_MASK) continue;
    else setOwn(out, key, value);
  }
  return out;
}

export type SettingsCheck =
  | { ok: true; values: Values; output: z.output<SettingsSchema> }
  | { ok: false; fields: FieldProblem[] };

/**
 * Validates settings against the connector's schema, strictly: an unknown key is a 400 naming
 * it, not a silently dropped typo. Paths are prefixed with `settings.` as the body has them.
 * `values` (the input as sent, minus undefined) is what is stored: re-parsing it at run time
 * applies the defaults and transforms of the connector version that runs.
 */
export function validateSettings(schema: SettingsSchema, values: Values): SettingsCheck {
  const parsed = schema.strict().safeParse(values);
  if (parsed.success) {
    const kept: Values = {};
    for (const [key, value] of Object.entries(values)) if (value !== undefined) setOwn(kept, key, value);
    return { ok: true, values: kept, output: parsed.data };
  }
  const fields: FieldProblem[] = [];
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        fields.push({ path: ['settings', ...issue.path.map(String), key].join('.'), message: 'is not a setting of this connector' });
      }
    } else {
      fields.push({ path: ['settings', ...issue.path.map(String)].join('.'), message: issue.message });
    }
  }
  return { ok: false, fields };
}

/** Plain settings go to `installations.settings`; secret ones to the vault, sealed. */
export function splitSettings(schema: SettingsSchema, values: Values): { plain: Values; secrets: Values } {
  return splitSecrets(schema, values);
}

/** The settings of a response: plain values, and the mask for each secret that is set. */
export function maskedSettings(plain: Values, secretsSet: readonly string[]): Values {
  const out: Values = {};
  for (const [key, value] of Object.entries(plain)) setOwn(out, key, value);
  for (const key of secretsSet) setOwn(out, key, SECRET_MASK);
  return out;
}
