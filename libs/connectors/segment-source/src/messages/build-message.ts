import { markHubOrigin } from '@hub/event-model';
import type { AliasParams, GroupParams, IdentifyParams, PageParams, TrackParams } from '@segment/analytics-node';
import type { MessageInput, MessageType } from './message-inputs';

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
 * Node version (57), `integrations: {}` (17), a `timestamp` when we give none (38), an empty
 * `traits`/`properties` when we give none (16), commas. Our own JSON plus this is an upper bound
 * of the event's bytes on the wire (pinned by build-message.spec.ts against the library, and by
 * the batching test, which checks every request stays under 480 KB).
 */
export const LIBRARY_OVERHEAD_BYTES = 192;

/**
 * The analytics-node call for an action input: the input's own fields (the action schemas are
 * strict objects of exactly the fields analytics-node takes) and a context carrying the echo
 * marker (contract 3), so a hub that also receives from Segment drops its own messages. One
 * shallow copy per message; analytics-node copies what it keeps.
 */
export function buildCall(type: MessageType, input: MessageInput, installationId: string): AnalyticsCall {
  const params = { ...input, context: markHubOrigin(input.context as never, { installationId }) };
  return { type, params } as AnalyticsCall;
}

/**
 * An upper bound of the message's bytes on the wire: its JSON (one serialization per message),
 * `"type":"<type>",`, what the library adds, and for `page` the category it copies into
 * `properties`.
 */
export function wireBytes(call: AnalyticsCall): number {
  let bytes = Buffer.byteLength(JSON.stringify(call.params), 'utf8') + call.type.length + 10 + LIBRARY_OVERHEAD_BYTES;
  if (call.type === 'page' && typeof call.params.category === 'string') bytes += Buffer.byteLength(JSON.stringify(call.params.category), 'utf8') + 12;
  return bytes;
}
