/**
 * Keys that, used as a property name on an ordinary object, reach the prototype chain. Dropped
 * from every copied message so no later merge (`target[key] = value`) can pollute prototypes.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export type JsonObject = { [key: string]: unknown };

export function isPlainObject(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function dropForbidden(key: string, value: unknown): unknown {
  return FORBIDDEN_KEYS.has(key) ? undefined : value;
}

/**
 * A JSON-pure deep copy of text produced by `JSON.stringify`: plain objects and arrays only,
 * no getters, no shared references, forbidden keys dropped (the reviver deletes them). The
 * caller must have bounded the depth first (see `checkShape`), because `JSON.parse` recurses.
 */
export function parseSafeJson(text: string): unknown {
  return JSON.parse(text, dropForbidden);
}
