import type { EmitResult, InboundResponse } from '@hub/sdk';

/** What Segment and its libraries expect for a committed request. */
export const SUCCESS: InboundResponse = Object.freeze({ status: 200, body: Object.freeze({ success: true }) });

export const message = (status: number, text: string): InboundResponse => ({ status, body: { message: text } });

/** Quoted sender text in an answer, bounded: answers reach Segment's debugger. */
export const quote = (text: string): string => JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);

/**
 * A batch answers 200 even when some events were set aside (Segment would drop the whole batch on
 * a 4xx, and retry it forever on a 5xx); a single message that was set aside answers 400 with the
 * reason, so the sender's debugger shows it. Either way the rejected event is visible in the hub.
 */
export function answerFor(result: EmitResult, single: boolean): InboundResponse {
  if (single && result.accepted === 0 && result.rejected.length > 0) {
    return message(400, `The message was rejected: ${result.rejected[0].reason}`);
  }
  return SUCCESS;
}
