import { markHubOrigin } from '@hub/event-model';
import { apiCallInput, type ApiCallInput } from '../api-call/api-call-input';
import { errorForSegmentFailure, errorForStatus, retryAfterOf } from '../segment-errors';
import { action, basicAuth, sendTarget } from '../segment-source.settings';
import { summarize } from '../transport/analytics-http-client';
import { guardedRequest } from '../transport/guarded-request';

export interface ApiCallOutput {
  status: number;
  body: unknown;
  messageIds: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const MESSAGE_ROUTES = new Set(['identify', 'track', 'page', 'screen', 'group', 'alias']);

/**
 * Messages in the body get the echo marker and, when they have none, a messageId derived from
 * the seed the ledger stored with the input (so a retry repeats the same ids and Segment dedupes).
 */
export function prepareBody(input: ApiCallInput, installationId: string): { body: unknown; messageIds: string[] } {
  const route = input.path.replace(/^\//, '').split('/')[1];
  const messageIds: string[] = [];
  const stamp = (message: Record<string, unknown>, id: string | undefined) => {
    const out: Record<string, unknown> = { ...message, context: markHubOrigin(isObject(message.context) ? (message.context as never) : undefined, { installationId }) };
    if (typeof out.messageId !== 'string' && id) out.messageId = id;
    if (typeof out.messageId === 'string') messageIds.push(out.messageId);
    return out;
  };
  if (route === 'batch' && isObject(input.body) && Array.isArray(input.body.batch)) {
    const batch = input.body.batch.map((item, i) => (isObject(item) ? stamp(item, input.messageId && `${input.messageId}-${i}`) : item));
    return { body: { ...input.body, batch }, messageIds };
  }
  if (MESSAGE_ROUTES.has(route) && isObject(input.body)) return { body: stamp(input.body, input.messageId), messageIds };
  return { body: input.body, messageIds };
}

export const apiCall = action({
  title: 'Custom Tracking API call',
  description: "Sends a request of your choice to the region's Tracking API (path, method, headers, query, body); the hub adds the write key.",
  input: apiCallInput,

  async perform(ctx, input): Promise<ApiCallOutput> {
    const target = sendTarget(ctx.settings);
    const url = new URL(target.origin);
    url.pathname = `/${input.path.replace(/^\//, '')}`;
    for (const [key, value] of Object.entries(input.query ?? {})) url.searchParams.set(key, String(value));
    const { body, messageIds } = prepareBody(input, ctx.installationId);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(input.headers ?? {})) headers[name.toLowerCase()] = value;
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    headers['authorization'] = basicAuth(ctx.settings.writeKey);
    headers['user-agent'] = 'integration-hub segment-source';

    let res;
    try {
      res = await guardedRequest(
        { origin: target.origin, custom: target.custom },
        { url, method: input.method, headers, body: body === undefined ? undefined : JSON.stringify(body), timeoutMs: 15_000, signal: ctx.signal },
      );
    } catch (err) {
      throw errorForSegmentFailure(err, target.label);
    }
    if (res.status < 200 || res.status >= 300) {
      throw errorForStatus(res.status, retryAfterOf(res.headers), `${target.label} answered HTTP ${res.status}: ${summarize(res.body)}`, res.headers['location']);
    }
    let parsed: unknown = res.body;
    try {
      parsed = res.body ? JSON.parse(res.body) : null;
    } catch {
      // keep the text
    }
    return { status: res.status, body: parsed, messageIds };
  },
});
