import { errorForHttpStatus, parseRetryAfter, RetryableError } from '@hub/sdk';
import { z } from 'zod';
import { apiUrl, authHeaders, job } from '../segment-source.settings';

const page = z.object({
  records: z.array(z.object({ id: z.string(), attributes: z.record(z.string(), z.unknown()).default({}) })),
  nextCursor: z.string().nullish(),
});

interface SyncCheckpoint {
  cursor?: string;
}

export const syncRecords = job({
  title: 'Sync records',
  description: 'Pages through Segment Source records changed since the last run and emits them as identify calls.',
  payload: z.object({ pageSize: z.number().int().min(1).max(500).default(100) }),
  schedule: { everyMs: 15 * 60_000 },
  retry: { attempts: 5, backoffMs: 30_000 },

  async run(ctx, payload) {
    let cursor = (await ctx.checkpoint.get<SyncCheckpoint>())?.cursor;
    let synced = 0;
    while (!ctx.signal.aborted) {
      const res = await ctx.http.request({
        method: 'GET',
        url: apiUrl(ctx.settings, 'v1/records'),
        query: { limit: payload.pageSize, cursor },
        headers: authHeaders(ctx.settings),
      });
      if (!res.ok) {
        throw errorForHttpStatus(
          res.status,
          `Segment Source refused the records page (HTTP ${res.status})`,
          parseRetryAfter(res.headers.get('retry-after')),
        );
      }
      const parsed = page.safeParse(await res.json());
      if (!parsed.success) throw new RetryableError(`Segment Source sent a records page of an unexpected shape: ${parsed.error.message}`);

      await ctx.emit(parsed.data.records.map((r) => ({ type: 'identify', userId: r.id, traits: r.attributes })));
      synced += parsed.data.records.length;
      // Saved after each page, so a crashed run resumes where it stopped. Without a next cursor
      // the sync is caught up; the last cursor then asks only for what changes from now on.
      const next = parsed.data.nextCursor;
      if (next) cursor = next;
      await ctx.checkpoint.save({ cursor } satisfies SyncCheckpoint);
      if (!next) break;
    }
    return { synced };
  },
});
