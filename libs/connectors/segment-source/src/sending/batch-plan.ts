/**
 * Segment's limits, enforced by us in bytes (`Buffer.byteLength`), because analytics-node 3.1.0's
 * own guard does not measure bytes: it counts `encodeURI(JSON)` pieces split on `%..` and the
 * letter "i", so a 40 KB ASCII event passes it and a batch can exceed 500 KB (pinned by
 * analytics-node.behaviour.spec.ts). Oversize requests are refused by Segment with 400, which
 * would lose every event of the batch.
 */
export const SEGMENT_LIMITS = Object.freeze({
  maxEventBytes: 32 * 1024,
  /** Segment's limit is 500 KB; 480 KB leaves room for the envelope and our estimate's error. */
  maxBatchBytes: 480 * 1024,
  maxBatchEvents: 2500,
  /** `{"batch":[...],"writeKey":"...","sentAt":"..."}` around the events. */
  envelopeBytes: 256,
});

export interface Sized {
  index: number;
  bytes: number;
}

export interface BatchPlan {
  /** Indexes per request, in input order. */
  batches: number[][];
  /** Indexes of events over the per-event limit: never sent. */
  oversize: number[];
}

/** Packs events into requests in input order, closing a request before it would break a limit. */
export function planBatches(items: Sized[], limits = SEGMENT_LIMITS): BatchPlan {
  const batches: number[][] = [];
  const oversize: number[] = [];
  let current: number[] = [];
  let bytes = limits.envelopeBytes;
  for (const item of items) {
    if (item.bytes > limits.maxEventBytes) {
      oversize.push(item.index);
      continue;
    }
    // +1 for the comma between events.
    if (current.length > 0 && (current.length >= limits.maxBatchEvents || bytes + item.bytes + 1 > limits.maxBatchBytes)) {
      batches.push(current);
      current = [];
      bytes = limits.envelopeBytes;
    }
    current.push(item.index);
    bytes += item.bytes + 1;
  }
  if (current.length) batches.push(current);
  return { batches, oversize };
}
