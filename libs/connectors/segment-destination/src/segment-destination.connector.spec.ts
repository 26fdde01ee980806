import { AuthError, type EmitOptions, type InboundAuthResult, type InboundContext, type InboundRequest, validateDefinition, ValidationError } from '@hub/sdk';
import { createTestIntegration, disableNetwork, enableNetwork } from '@hub/testing';
import { segmentSignature } from './inbound/webhook-signature';
import { segmentDestinationConnector } from './segment-destination.connector';
import type { Settings } from './segment-destination.settings';

const routes = segmentDestinationConnector.inbound!;

interface Run {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  emitted: { events: unknown[]; options?: EmitOptions }[];
}

/** Runs a route as the host does: verify, then handle, with a context that records emits. */
async function run(
  key: keyof typeof routes,
  req: Partial<InboundRequest> & { body: string | Buffer },
  auth: InboundAuthResult = { method: 'key', key: 'apiKey' },
  rejectAll = false,
): Promise<Run> {
  const emitted: Run['emitted'] = [];
  const ctx = {
    workspaceId: 'ws',
    installationId: 'inst',
    settings: {},
    credentials: { type: 'none' },
    auth,
    async emit(events: unknown[], options?: EmitOptions) {
      emitted.push({ events, ...(options ? { options } : {}) });
      return rejectAll
        ? { accepted: 0, rejected: events.map((_, index) => ({ index, reason: 'userId or anonymousId is required' })) }
        : { accepted: events.length, rejected: [] };
    },
  } as unknown as InboundContext<Settings>;
  const request: InboundRequest = {
    method: 'POST',
    rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body),
    headers: req.headers ?? {},
    query: {},
    params: req.params ?? {},
  };
  const route = routes[key];
  await route.verify?.(request, ctx);
  const res = await route.handle(request, ctx);
  if (!res) throw new Error('no response');
  return { ...res, emitted };
}

const identify = { type: 'identify', userId: 'u1', messageId: 'm1', traits: { email: 'a@example.com' } };
const track = { type: 'track', userId: 'u1', messageId: 'm2', event: 'Signed Up' };

describe('segment-destination connector', () => {
  it('is a valid connector definition with its keys and routes', () => {
    expect(validateDefinition(segmentDestinationConnector)).toEqual([]);
    expect(Object.keys(segmentDestinationConnector.inboundKeys ?? {})).toEqual(['apiKey', 'writeKey']);
    expect(Object.values(routes).map((r) => r.path)).toEqual(['/hooks/segment', '/hooks/segment/:installationId', '/v1/:type']);
  });

  describe('through the testing kit', () => {
    const t = createTestIntegration(segmentDestinationConnector);
    beforeAll(() => disableNetwork());
    afterAll(() => enableNetwork());

    it('checks without calling anyone', async () => {
      const { result, requests } = await t.testCheck({ settings: {} });
      expect(result.ok).toBe(true);
      expect(requests).toEqual([]);
    });

    it('refuses settings it does not know', async () => {
      await expect(t.testCheck({ settings: { apiKey: 'x' } })).rejects.toBeInstanceOf(ValidationError);
    });

    it('takes a partner delivery with the headers Segment sends', async () => {
      const settingsHeader = Buffer.from(JSON.stringify({ apiKey: 'hubk_x', region: 'us' })).toString('base64');
      const { result, emitted } = await t.testInbound('partnerDelivery', {
        settings: {},
        headers: {
          Authorization: `Basic ${Buffer.from('hubk_x:').toString('base64')}`,
          'Content-Type': 'application/json',
          'User-Agent': 'Segment.io/1.0',
          'X-Segment-Settings': settingsHeader,
        },
        rawBody: JSON.stringify(identify),
      });
      expect(result).toEqual({ status: 200, body: { success: true } });
      expect(emitted).toEqual([identify]);
    });
  });

  describe('partner deliveries', () => {
    it.each([
      ['one message', identify, [identify]],
      ['a {batch} body', { batch: [identify, track] }, [identify, track]],
      ['a JSON array (batched Webhooks Actions)', [identify, track], [identify, track]],
    ])('emits %s', async (_name, body, events) => {
      const res = await run('partnerDelivery', { body: JSON.stringify(body) });
      expect(res.status).toBe(200);
      expect(res.emitted).toEqual([{ events }]);
    });

    it('tolerates a malformed X-Segment-Settings header', async () => {
      const res = await run('partnerDelivery', { body: JSON.stringify(track), headers: { 'x-segment-settings': '%%%not base64' } });
      expect(res.status).toBe(200);
    });

    it('answers 501 for delete notifications and emits nothing', async () => {
      const res = await run('partnerDelivery', { body: JSON.stringify({ type: 'delete', userId: 'u1' }) });
      expect(res).toEqual({ status: 501, body: { message: expect.stringContaining('"delete" messages are not supported') }, emitted: [] });
    });

    it('answers 400 with the reason when its single message is set aside', async () => {
      const res = await run('partnerDelivery', { body: JSON.stringify({ type: 'track', event: 'x' }) }, undefined, true);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ message: 'The message was rejected: userId or anonymousId is required' });
    });

    it('answers 200 for a batch even when events were set aside', async () => {
      const res = await run('partnerDelivery', { body: JSON.stringify({ batch: [{}, {}] }) }, undefined, true);
      expect(res.status).toBe(200);
    });

    it('answers 413 above 4,000 events', async () => {
      const res = await run('partnerDelivery', { body: JSON.stringify(Array.from({ length: 4001 }, () => track)) });
      expect(res.status).toBe(413);
      expect(res.emitted).toEqual([]);
    });

    it.each([
      ['not JSON', '{"type": "track",'],
      ['a string', '"track"'],
      ['null', 'null'],
      ['empty', '   '],
      ['nested too deep', '['.repeat(100) + ']'.repeat(100)],
      ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
    ])('refuses a body that is %s with a ValidationError (400)', async (_name, body) => {
      await expect(run('partnerDelivery', { body })).rejects.toBeInstanceOf(ValidationError);
    });

    it('never quotes the body in a JSON error', async () => {
      const err = await run('partnerDelivery', { body: '{"secret-looking": hubk_abc}' }).catch((e: Error) => e);
      expect((err as Error).message).not.toContain('hubk_abc');
    });
  });

  describe('Webhooks signatures', () => {
    const secret = 'whsec-test-secret';
    const signed = { method: 'signature', sharedSecret: secret } as const;
    const body = JSON.stringify(track);

    it('accepts a valid signature', async () => {
      const res = await run('webhookDelivery', { body, headers: { 'x-signature': segmentSignature(secret, body) } }, signed);
      expect(res.status).toBe(200);
    });

    it('refuses a signature with one byte flipped', async () => {
      const sig = segmentSignature(secret, body);
      const flipped = (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1);
      await expect(run('webhookDelivery', { body, headers: { 'x-signature': flipped } }, signed)).rejects.toBeInstanceOf(AuthError);
    });

    it('refuses a body with one byte changed', async () => {
      const sig = segmentSignature(secret, body);
      const changed = body.replace('Signed Up', 'Signed Uq');
      await expect(run('webhookDelivery', { body: changed, headers: { 'x-signature': sig } }, signed)).rejects.toBeInstanceOf(AuthError);
    });

    it('refuses a re-serialized body (the signature covers the bytes sent)', async () => {
      const sig = segmentSignature(secret, body);
      const pretty = JSON.stringify(track, null, 2);
      await expect(run('webhookDelivery', { body: pretty, headers: { 'x-signature': sig } }, signed)).rejects.toBeInstanceOf(AuthError);
    });

    it('refuses a missing signature and one made with another secret', async () => {
      await expect(run('webhookDelivery', { body }, signed)).rejects.toThrow('X-Signature is missing');
      const other = segmentSignature('another-secret', body);
      await expect(run('webhookDelivery', { body, headers: { 'x-signature': other } }, signed)).rejects.toBeInstanceOf(AuthError);
    });

    it('accepts a batch signed over its first event only (authentication, not integrity)', async () => {
      const batch = JSON.stringify([track, identify]);
      const sig = segmentSignature(secret, JSON.stringify(track));
      const res = await run('webhookDelivery', { body: batch, headers: { 'x-signature': sig } }, signed);
      expect(res.emitted).toEqual([{ events: [track, identify] }]);
      // A different first event does not verify.
      const other = JSON.stringify([identify, track]);
      await expect(run('webhookDelivery', { body: other, headers: { 'x-signature': sig } }, signed)).rejects.toBeInstanceOf(AuthError);
    });

    it('does not check signatures when the API key authenticated the request', async () => {
      const res = await run('webhookDelivery', { body }, { method: 'key', key: 'apiKey' });
      expect(res.status).toBe(200);
    });
  });

  describe('Tracking API', () => {
    it.each([
      ['track', 'track'],
      ['t', 'track'],
      ['identify', 'identify'],
      ['i', 'identify'],
      ['page', 'page'],
      ['screen', 'screen'],
      ['group', 'group'],
      ['alias', 'alias'],
    ])('/v1/%s makes a %s call whatever the body says, without the write key', async (segment, type) => {
      const res = await run('trackingApi', { body: JSON.stringify({ userId: 'u1', type: 'other', writeKey: 'k' }), params: { type: segment } }, { method: 'key', key: 'writeKey' });
      expect(res.status).toBe(200);
      expect(res.headers).toEqual({ 'access-control-allow-origin': '*' });
      expect(res.emitted).toEqual([{ events: [{ userId: 'u1', type }], options: { batchLimits: true } }]);
    });

    it('hands a batch and its batch-level context to the host', async () => {
      const body = { batch: [track], context: { library: { name: 'analytics-node' } }, integrations: { All: true }, writeKey: 'k', sentAt: 'x' };
      const res = await run('trackingApi', { body: JSON.stringify(body), params: { type: 'batch' } });
      expect(res.emitted).toEqual([
        { events: [track], options: { context: body.context, integrations: body.integrations, batchLimits: true } },
      ]);
      const short = await run('trackingApi', { body: JSON.stringify(body), params: { type: 'b' } });
      expect(short.emitted).toHaveLength(1);
    });

    it('answers 404 for an endpoint that does not exist, and 400 for a body of the wrong shape', async () => {
      const res = await run('trackingApi', { body: '{}', params: { type: 'delete' } });
      expect(res.status).toBe(404);
      await expect(run('trackingApi', { body: '{"batch": {}}', params: { type: 'batch' } })).rejects.toThrow('must have a "batch" array');
      await expect(run('trackingApi', { body: '[]', params: { type: 'track' } })).rejects.toThrow('must be a JSON object');
    });

    it('does not let prototype keys reach the emitted copy as prototypes', async () => {
      const res = await run('trackingApi', { body: '{"userId":"u","__proto__":{"polluted":true}}', params: { type: 'track' } });
      const event = res.emitted[0].events[0] as Record<string, unknown>;
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      expect(Object.getPrototypeOf(event)).toBe(Object.prototype);
    });
  });
});
