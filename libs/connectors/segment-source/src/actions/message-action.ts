import type { BatchItemResult, ConnectorContext } from '@hub/sdk';
import type { z } from 'zod';
import { buildCall } from '../messages/build-message';
import type { MessageInput, MessageType } from '../messages/message-inputs';
import { sendTarget, action, type Settings } from '../segment-source.settings';
import { sendCalls } from '../sending/tracking-sender';
import { SEGMENT_LIMITS } from '../sending/batch-plan';

/** What a message action reports per message: the id Segment dedupes on. */
export interface MessageOutput {
  messageIds: string[];
}

async function send(ctx: ConnectorContext<Settings>, type: MessageType, inputs: MessageInput[]): Promise<BatchItemResult<MessageOutput>[]> {
  const target = sendTarget(ctx.settings);
  const calls = inputs.map((input) => buildCall(type, input, ctx.installationId));
  const outcomes = await sendCalls(calls, {
    writeKey: ctx.settings.writeKey,
    target: { origin: target.origin, custom: target.custom },
    where: target.label,
    signal: ctx.signal,
  });
  return outcomes.map((o) => (o.ok ? { ok: true, output: { messageIds: [o.messageId] } } : { ok: false, error: o.error }));
}

/**
 * A Segment Spec call as an action: `perform` sends one message, `performBatch` many, packed into
 * requests by bytes (see batch-plan.ts). The host's delivery ledger calls `performBatch` with the
 * queued messages of an installation.
 */
export function messageAction<I extends z.ZodType<MessageInput>>(type: MessageType, title: string, description: string, input: I) {
  return action({
    title,
    description,
    input,
    batch: { maxItems: SEGMENT_LIMITS.maxBatchEvents, maxBytes: SEGMENT_LIMITS.maxBatchBytes },
    async perform(ctx, value) {
      const [result] = await send(ctx, type, [value as MessageInput]);
      if (!result.ok) throw result.error;
      return result.output;
    },
    async performBatch(ctx, values) {
      return send(ctx, type, values as MessageInput[]);
    },
  });
}
