import type { Condition, FieldTemplate, SubscriptionFilter, SubscriptionMapping } from './subscription.schemas';

/** The scope a subscription sees: the event's fields at the root, the changed profile under `profile`. */
export type Scope = Record<string, unknown>;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Own properties only: a path never reaches a prototype. */
export function resolvePath(scope: unknown, path: string): unknown {
  let cur: unknown = scope;
  for (const key of path.split('.')) {
    if (Array.isArray(cur) && /^\d+$/.test(key)) cur = cur[Number(key)];
    else if (isObject(cur) && Object.hasOwn(cur, key)) cur = cur[key];
    else return undefined;
  }
  return cur;
}

function compare(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

const same = (a: unknown, b: unknown) => a === b || (a !== null && b !== null && typeof a === 'object' && JSON.stringify(a) === JSON.stringify(b));

export function holds(c: Condition, scope: Scope): boolean {
  const v = resolvePath(scope, c.path);
  switch (c.op) {
    case 'exists':
      return v !== undefined && v !== null;
    case 'missing':
      return v === undefined || v === null;
    case 'eq':
      return same(v, c.value);
    case 'neq':
      return !same(v, c.value);
    case 'in':
      return Array.isArray(c.value) && c.value.some((x) => same(v, x));
    case 'nin':
      return Array.isArray(c.value) && !c.value.some((x) => same(v, x));
    case 'contains':
      if (typeof v === 'string' && typeof c.value === 'string') return v.includes(c.value);
      return Array.isArray(v) && v.some((x) => same(x, c.value));
    default: {
      const d = compare(v, c.value);
      if (d === undefined) return false;
      return c.op === 'gt' ? d > 0 : c.op === 'gte' ? d >= 0 : c.op === 'lt' ? d < 0 : d <= 0;
    }
  }
}

/** Whether an event (with the profile it changed, for profile filters) matches a filter. */
export function matchesFilter(filter: SubscriptionFilter, scope: Scope): boolean {
  const type = scope.type;
  if (filter.on === 'event') {
    if (filter.types && !filter.types.includes(type as never)) return false;
    if (filter.events) {
      const name = type === 'track' ? scope.event : scope.name ?? resolvePath(scope, 'properties.name');
      if (typeof name !== 'string' || !filter.events.includes(name)) return false;
    }
  } else {
    // A profile change is an identify (user) or group (account) call that sets traits.
    if (type !== (filter.entity === 'user' ? 'identify' : 'group')) return false;
    const traits = isObject(scope.traits) ? scope.traits : {};
    const changed = Object.keys(traits);
    if (changed.length === 0) return false;
    if (filter.traits && !filter.traits.some((t) => changed.includes(t))) return false;
  }
  return (filter.conditions ?? []).every((c) => holds(c, scope));
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur = target;
  for (const key of keys.slice(0, -1)) {
    if (!isObject(cur[key])) Object.defineProperty(cur, key, { value: {}, enumerable: true, writable: true, configurable: true });
    cur = cur[key] as Record<string, unknown>;
  }
  Object.defineProperty(cur, keys[keys.length - 1], { value, enumerable: true, writable: true, configurable: true });
}

export function templateValue(t: FieldTemplate, scope: Scope): unknown {
  if ('value' in t) return t.value;
  const v = resolvePath(scope, t.path);
  return v === undefined || v === null ? t.default : v;
}

/**
 * The action input for one event, or `null` when the mapping's condition does not hold. Fields
 * whose template yields nothing are left out (the action's schema then says if they were needed).
 */
export function applyMapping(mapping: SubscriptionMapping, scope: Scope): Record<string, unknown> | null {
  if (!(mapping.condition ?? []).every((c) => holds(c, scope))) return null;
  const input: Record<string, unknown> = {};
  for (const [field, template] of Object.entries(mapping.fields)) {
    const value = templateValue(template, scope);
    if (value !== undefined) setPath(input, field, value);
  }
  return input;
}
