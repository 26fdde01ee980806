import { isPlainObject, type JsonObject } from './safe-json';

/**
 * Messages the hub itself sends to Segment carry this key under `context`. Segment passes
 * `context` through to its destinations, so when the same workspace also receives from Segment
 * (the Segment destination), the hub recognises its own messages and drops them (counted)
 * instead of projecting them a second time or forwarding them again in a loop.
 */
export const HUB_ORIGIN_CONTEXT_KEY = 'hubOrigin';

export interface HubOrigin {
  /** The sending installation (a `segment-source` installation), for the admin's debugging. */
  installationId: string;
}

/** A copy of the message's `context` with the marker set; the message itself is not changed. */
export function markHubOrigin(context: JsonObject | undefined, origin: HubOrigin): JsonObject {
  return { ...(context ?? {}), [HUB_ORIGIN_CONTEXT_KEY]: { installationId: origin.installationId } };
}

/** True when a received message was sent by a hub (it carries the marker in `context`). */
export function isHubEcho(message: { context?: unknown }): boolean {
  return isPlainObject(message.context) && isPlainObject(message.context[HUB_ORIGIN_CONTEXT_KEY]);
}
