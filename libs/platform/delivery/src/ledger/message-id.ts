import { createHash, randomUUID } from 'node:crypto';
import { toJsonSchema } from '@hub/sdk';
import type { z } from 'zod';

const declaresMessageId = new WeakMap<object, boolean>();

/** Whether an action's input schema has a top-level `messageId` (Segment-style actions do). */
export function hasMessageIdField(schema: z.ZodType): boolean {
  let known = declaresMessageId.get(schema);
  if (known === undefined) {
    const json = toJsonSchema(schema) as { properties?: Record<string, unknown> };
    known = !!json.properties && Object.hasOwn(json.properties, 'messageId');
    declaresMessageId.set(schema, known);
  }
  return known;
}

/**
 * A stable messageId for a logical message, assigned when the delivery is recorded and stored
 * with its input, so every retry (queue backoff, a crashed worker, a replay) sends the same id
 * and Segment dedupes it. Derived from `seed` when the message has a natural key (a
 * subscription's source event), random otherwise.
 */
export function withMessageId(schema: z.ZodType, input: unknown, seed?: string): { input: unknown; messageIds: string[] } {
  if (!hasMessageIdField(schema) || typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { input, messageIds: [] };
  }
  const record = input as Record<string, unknown>;
  if (typeof record.messageId === 'string' && record.messageId.length > 0) return { input, messageIds: [record.messageId] };
  const messageId = seed ? `hub-${createHash('sha256').update(seed).digest('hex').slice(0, 40)}` : randomUUID();
  return { input: { ...record, messageId }, messageIds: [messageId] };
}

/** JSON text of an input as stored; undefined when JSON cannot encode it (a cycle, a BigInt, undefined). */
export function toJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}
