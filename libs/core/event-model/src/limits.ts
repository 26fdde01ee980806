import { fieldError, type FieldError } from './field-error';

/** Segment Tracking API limits (PROTOCOLS.md). */
export const MAX_EVENT_BYTES = 32 * 1024;
export const MAX_BATCH_BYTES = 500 * 1024;
export const MAX_BATCH_EVENTS = 2500;
/** Real Segment payloads nest about five levels; 32 leaves room without inviting abuse. */
export const MAX_DEPTH = 32;
export const MAX_KEYS = 1000;
/**
 * Every JSON value costs at least two bytes (`0,`), so no value with more nodes than this fits
 * in 32 KB: the cap rejects only what the byte limit would, but before anything serializes it.
 */
export const MAX_NODES = MAX_EVENT_BYTES / 2;

export interface ShapeLimits {
  /** Containers nested deeper than this are rejected; the root container is depth 1. */
  maxDepth: number;
  /** Own keys per object, elements per array. */
  maxKeys: number;
  /** Values visited in total, containers and leaves. */
  maxNodes: number;
}

export const EVENT_SHAPE_LIMITS: Readonly<ShapeLimits> = Object.freeze({
  maxDepth: MAX_DEPTH,
  maxKeys: MAX_KEYS,
  maxNodes: MAX_NODES,
});

interface Frame {
  value: object;
  depth: number;
  key: string;
  parent: Frame | undefined;
}

function pathOf(frame: Frame): string {
  const keys: string[] = [];
  for (let f: Frame | undefined = frame; f?.parent; f = f.parent) keys.push(f.key);
  return keys.reverse().join('.');
}

/**
 * Fails fast on nesting, fan-out and total size, walking with an explicit stack so a hostile
 * payload cannot overflow the call stack. Must run before anything that recurses over input
 * (JSON.stringify, JSON.parse revivers, zod). A cycle counts as infinite depth.
 */
export function checkShape(value: unknown, limits: ShapeLimits = EVENT_SHAPE_LIMITS): FieldError | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const stack: Frame[] = [{ value, depth: 1, key: '', parent: undefined }];
  let nodes = 1;
  while (stack.length > 0) {
    const frame = stack.pop() as Frame;
    if (frame.depth > limits.maxDepth) {
      return fieldError(pathOf(frame), `nested deeper than the limit of ${limits.maxDepth} levels`);
    }
    const keys = Array.isArray(frame.value) ? undefined : Object.keys(frame.value);
    const count = keys ? keys.length : (frame.value as unknown[]).length;
    if (count > limits.maxKeys) {
      return fieldError(pathOf(frame), `has ${count} entries, over the limit of ${limits.maxKeys}`);
    }
    nodes += count;
    if (nodes > limits.maxNodes) {
      return fieldError(pathOf(frame), `the message has more than ${limits.maxNodes} values`);
    }
    const record = frame.value as Record<string, unknown>;
    for (let i = 0; i < count; i++) {
      const key = keys ? keys[i] : String(i);
      const child = record[key];
      if (typeof child === 'object' && child !== null) {
        stack.push({ value: child, depth: frame.depth + 1, key, parent: frame });
      }
    }
  }
  return undefined;
}

/**
 * `checkShape`'s verdict (the same error, computed by `checkShape` itself when there is one),
 * plus whether the value is JSON-pure: plain objects and arrays with their ordinary prototypes,
 * leaves that are strings, finite numbers (not -0), booleans or null, no array holes, no `toJSON` key.
 * Such a value is what `JSON.parse(JSON.stringify(value))` would rebuild, so a caller that only
 * serializes it may use it in place of that copy. Walks with explicit stacks and no per-node
 * allocation (about half of `checkShape`'s cost, which keeps the paths it may need to report).
 */
export function checkShapeAndPurity(value: unknown, limits: ShapeLimits = EVENT_SHAPE_LIMITS): { error?: FieldError; pure: boolean } {
  if (typeof value !== 'object' || value === null) return { pure: isPureLeaf(value) };
  const values: object[] = [value];
  const depths: number[] = [1];
  let nodes = 1;
  let pure = true;
  while (values.length > 0) {
    const current = values.pop() as object;
    const depth = depths.pop() as number;
    if (depth > limits.maxDepth) return { error: checkShape(value, limits), pure: false };
    const isArray = Array.isArray(current);
    const keys = isArray ? undefined : Object.keys(current);
    const count = keys ? keys.length : (current as unknown[]).length;
    nodes += count;
    if (count > limits.maxKeys || nodes > limits.maxNodes) return { error: checkShape(value, limits), pure: false };
    if (pure && Object.getPrototypeOf(current) !== (isArray ? Array.prototype : Object.prototype)) pure = false;
    const record = current as Record<string, unknown>;
    for (let i = 0; i < count; i++) {
      const key = keys ? keys[i] : i;
      const child = record[key];
      if (typeof child === 'object' && child !== null) {
        values.push(child);
        depths.push(depth + 1);
      } else if (pure && (!isPureLeaf(child) || key === 'toJSON')) {
        pure = false;
      }
    }
  }
  return { pure };
}

// -0 is not pure: JSON writes it as 0.
function isPureLeaf(value: unknown): boolean {
  const type = typeof value;
  return type === 'string' || type === 'boolean' || value === null || (type === 'number' && Number.isFinite(value) && !Object.is(value, -0));
}

/** UTF-8 bytes of the JSON encoding. Throws for what JSON cannot encode (cycles, bigint). */
export function eventByteSize(msg: unknown): number {
  return Buffer.byteLength(JSON.stringify(msg) ?? '', 'utf8');
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

export function sizeError(bytes: number, maxBytes: number, what = 'event'): FieldError {
  return fieldError('', `${what} is ${bytes} bytes (${kb(bytes)}), over the limit of ${maxBytes} bytes (${kb(maxBytes)})`);
}

/** Error with path `''` when `msg` encodes to more than `maxBytes` or cannot be encoded. */
export function checkEventSize(msg: unknown, maxBytes: number = MAX_EVENT_BYTES): FieldError | undefined {
  let bytes: number;
  try {
    bytes = eventByteSize(msg);
  } catch (err) {
    return fieldError('', `cannot be encoded as JSON: ${(err as Error).message}`);
  }
  return bytes > maxBytes ? sizeError(bytes, maxBytes) : undefined;
}
