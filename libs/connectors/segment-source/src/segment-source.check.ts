import type { CheckResult, ConnectorContext } from '@hub/sdk';
import { errorForSegmentFailure, errorForStatus, retryAfterOf } from './segment-errors';
import { basicAuth, sendTarget, WRITE_KEY_SHAPE, type Settings } from './segment-source.settings';
import { summarize } from './transport/analytics-http-client';
import { guardedRequest } from './transport/guarded-request';

/**
 * Checks the key's shape, then that the Tracking API answers an empty batch with this key. An
 * empty batch sends no data; Segment does not tell whether a key belongs to a source (it accepts
 * any key and drops the data), so the message says where to look for the first events.
 */
export async function checkConnection(ctx: ConnectorContext<Settings>): Promise<CheckResult> {
  const target = sendTarget(ctx.settings);
  if (!WRITE_KEY_SHAPE.test(ctx.settings.writeKey)) {
    return { ok: false, message: 'The write key does not look like a Segment write key: copy it from the source (Settings > API Keys) and save it again.' };
  }
  const url = new URL('/v1/batch', target.origin);
  let res;
  try {
    res = await guardedRequest(
      { origin: target.origin, custom: target.custom },
      {
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: basicAuth(ctx.settings.writeKey) },
        body: JSON.stringify({ batch: [] }),
        timeoutMs: 10_000,
        signal: ctx.signal,
      },
    );
  } catch (err) {
    const error = errorForSegmentFailure(err, target.label);
    return { ok: false, message: `${error.message}. Check the region${target.custom ? ' and the custom endpoint' : ''} and that the hub can reach it.` };
  }
  if (res.status >= 200 && res.status < 300) {
    return {
      ok: true,
      message: `${target.label} accepted a test request with this write key. Events appear in the source's debugger; if they do not, check that the source is in the ${ctx.settings.region.toUpperCase()} region.`,
    };
  }
  const error = errorForStatus(res.status, retryAfterOf(res.headers), `${target.label} answered HTTP ${res.status}: ${summarize(res.body)}`, res.headers['location']);
  const hint = res.status === 429 ? ' Segment is rate-limiting this workspace; try again in a minute.' : res.status >= 500 ? ' Segment may be having an outage; try again later.' : '';
  return { ok: false, message: `${error.message}${hint}` };
}
