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
 * Text in which a forbidden key may appear: spelled out as a JSON string, or hidden behind a
 * `\u` escape (the only escape that can spell a letter or `_`; a false positive only costs the
 * slower parse). Text without either cannot produce a forbidden key, whatever its structure.
 */
const MAY_HOLD_FORBIDDEN_KEY = /"(?:__proto__|constructor|prototype)"|\\u/;

/**
 * A JSON-pure deep copy of text produced by `JSON.stringify`: plain objects and arrays only,
 * no getters, no shared references, forbidden keys dropped (the reviver deletes them). The
 * caller must have bounded the depth first (see `checkShape`), because `JSON.parse` recurses.
 * The reviver costs a call per value (about 3x the parse), so it only runs on text that may
 * hold a forbidden key; without one the plain parse gives the same copy.
 */
export function parseSafeJson(text: string): unknown {
  return mayHoldForbiddenKey(text) ? JSON.parse(text, dropForbidden) : JSON.parse(text);
}

/** False when `JSON.parse(text)` certainly makes no `__proto__`, `constructor` or `prototype` key. */
export function mayHoldForbiddenKey(text: string): boolean {
  return MAY_HOLD_FORBIDDEN_KEY.test(text);
}
