import { markHubOrigin } from '@hub/event-model';
import type { AliasParams, GroupParams, IdentifyParams, PageParams, TrackParams } from '@segment/analytics-node';
import type { AliasInput, GroupInput, IdentifyInput, MessageInput, MessageType, PageInput, TrackInput } from './message-inputs';

/** What analytics-node is called with for one message, and its size on the wire. */
export type AnalyticsCall =
  | { type: 'identify'; params: IdentifyParams }
  | { type: 'track'; params: TrackParams }
  | { type: 'page'; params: PageParams }
  | { type: 'screen'; params: PageParams }
  | { type: 'group'; params: GroupParams }
  | { type: 'alias'; params: AliasParams };

/**
 * What analytics-node adds to each message: `context.library` (61 bytes), `_metadata` with the
 * Node version (57), `integrations: {}` (17), a `timestamp` when we give none (38), commas. Our
 * own JSON plus this is an upper bound of the event's bytes on the wire (pinned by the batching
 * test, which checks every request stays under 480 KB).
 */
export const LIBRARY_OVERHEAD_BYTES = 192;

const defined = <T extends Record<string, unknown>>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/**
 * The analytics-node call for an action input. Every message carries the echo marker in its
 * context (contract 3), so a hub that also receives from Segment drops its own messages.
 */
export function buildCall(type: MessageType, input: MessageInput, installationId: string): AnalyticsCall {
  const common = defined({
    userId: input.userId,
    anonymousId: input.anonymousId,
    timestamp: input.timestamp,
    integrations: input.integrations as Record<string, boolean | Record<string, unknown>> | undefined,
    messageId: input.messageId,
    context: markHubOrigin(input.context as never, { installationId }),
  });
  switch (type) {
    case 'identify': {
      const i = input as IdentifyInput;
      return { type, params: defined({ ...common, traits: i.traits ?? undefined }) as IdentifyParams };
    }
    case 'track': {
      const i = input as TrackInput;
      return { type, params: defined({ ...common, event: i.event, properties: i.properties ?? undefined }) as TrackParams };
    }
    case 'page':
    case 'screen': {
      const i = input as PageInput;
      return { type, params: defined({ ...common, name: i.name, category: i.category, properties: i.properties }) as PageParams };
    }
    case 'group': {
      const i = input as GroupInput;
      return { type, params: defined({ ...common, groupId: i.groupId, traits: i.traits ?? undefined }) as GroupParams };
    }
    case 'alias': {
      const i = input as AliasInput;
      return { type, params: defined({ ...common, userId: i.userId, previousId: i.previousId }) as AliasParams };
    }
  }
}

/** An upper bound of the message's bytes on the wire. */
export function wireBytes(call: AnalyticsCall): number {
  return Buffer.byteLength(JSON.stringify({ type: call.type, ...call.params }), 'utf8') + LIBRARY_OVERHEAD_BYTES;
}
