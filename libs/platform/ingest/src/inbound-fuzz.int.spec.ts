import { createHmac } from 'node:crypto';
import { deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { basic, type IngestTestApp, rawPost, type SegmentInstallation, segmentInstallation, startIngestApp, tenant } from '../test/ingest-test-app';

const SEED = 20251201;
const TYPES = ['identify', 'track', 'page', 'screen', 'group', 'alias', 'delete', 'Track', ''];

/** Event-shaped objects with every field optional, mistyped or hostile now and then. */
const eventArb = fc.record(
  {
    type: fc.oneof(fc.constantFrom(...TYPES), fc.string(), fc.integer()),
    userId: fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.constant(null)),
    anonymous_id: fc.string({ maxLength: 20 }),
    messageId: fc.oneof(fc.string({ maxLength: 120 }), fc.constant('')),
    event: fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.constant(null)),
    previousId: fc.string({ maxLength: 10 }),
    groupId: fc.string({ maxLength: 10 }),
    timestamp: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string({ maxLength: 10 })),
    sentAt: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.integer()),
    properties: fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 })), fc.jsonValue({ maxDepth: 2 })),
    traits: fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'email', 'name', 'company'), fc.jsonValue({ maxDepth: 2 })),
    context: fc.oneof(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })), fc.string()),
  },
  { requiredKeys: [] },
);

const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

/** Body text: JSON of events and batches, JSON of anything, broken JSON, bytes, deep or big. */
const bodyArb: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 4, arbitrary: eventArb.map((e) => Buffer.from(JSON.stringify(e))) },
  { weight: 4, arbitrary: fc.array(fc.oneof(eventArb, fc.jsonValue({ maxDepth: 2 })), { maxLength: 30 }).map((b) => Buffer.from(JSON.stringify({ batch: b, context: { ip: '1.2.3.4' } }))) },
  { weight: 2, arbitrary: fc.array(eventArb, { maxLength: 20 }).map((b) => Buffer.from(JSON.stringify(b))) },
  { weight: 2, arbitrary: fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: fc.integer({ min: 10, max: 5000 }).map((d) => Buffer.from(`{"type":"track","userId":"u","event":"e","properties":${nested(d)}}`)) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 6 }).map((mb) => Buffer.alloc(mb * 1024 * 1024 + 7, 0x20)) },
  { weight: 1, arbitrary: eventArb.map((e) => Buffer.from(JSON.stringify(e).slice(0, -1))) },
);

describe('fuzzing the inbound routes (fast-check, fixed seed, real PostgreSQL)', () => {
  let t: IngestTestApp;
  let seg: SegmentInstallation;
  let secret: string;

  beforeAll(async () => {
    t = await startIngestApp();
    const who = await tenant(t);
    seg = await segmentInstallation(t, who);
    const rotated = await t
      .http()
      .post(`/api/v1/workspaces/${who.ws}/installations/${seg.id}/inbound-keys/sharedSecret/rotate`)
      .set('authorization', who.auth)
      .send({})
      .expect(200);
    secret = rotated.body.value;
  });
  afterAll(() => t?.close());

  it('never crashes and never answers 5xx (but 501 for unsupported types); every refusal is a 4xx with a message', async () => {
    const statuses = new Map<number, number>();
    const request = fc.record({
      path: fc.oneof(
        fc.constant('/hooks/segment'),
        fc.constant(`/hooks/segment/${seg.id}`),
        fc.uuid().map((id) => `/hooks/segment/${id}`),
        fc.constantFrom('identify', 'track', 'page', 'screen', 'group', 'alias', 'batch', 't', 'b', 'delete', 'x%20y').map((p) => `/v1/${p}`),
      ),
      auth: fc.oneof(
        { weight: 6, arbitrary: fc.constant('matching') },
        { weight: 4, arbitrary: fc.constantFrom('apiKey', 'writeKey', 'writeKeyInBody', 'garbage', 'bearer', 'signature', 'none') },
      ),
      contentType: fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-8', '') },
        { weight: 1, arbitrary: fc.constantFrom('application/xml', 'multipart/form-data', 'application/x-www-form-urlencoded') },
      ),
      encoding: fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom('identity', 'gzip', 'deflate') },
        { weight: 1, arbitrary: fc.constantFrom('gzip-lie', 'br') },
      ),
      body: bodyArb,
    });

    await fc.assert(
      fc.asyncProperty(request, async (req) => {
        // "matching": the credential the path expects, so most requests reach the connector.
        const matching = req.path.startsWith('/v1/') ? 'writeKey' : req.path === `/hooks/segment/${seg.id}` ? 'signature' : 'apiKey';
        const r = { ...req, auth: req.auth === 'matching' ? matching : req.auth };
        let body = r.body;
        if (r.auth === 'writeKeyInBody') {
          try {
            const parsed = JSON.parse(body.toString());
            if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = Buffer.from(JSON.stringify({ ...parsed, writeKey: seg.writeKey }));
          } catch {
            // not JSON: sent as is
          }
        }
        const headers: Record<string, string> = { 'user-agent': 'Segment.io/1.0' };
        if (r.contentType) headers['content-type'] = r.contentType;
        if (r.auth === 'apiKey') headers.authorization = basic(seg.apiKey);
        if (r.auth === 'writeKey') headers.authorization = basic(seg.writeKey);
        if (r.auth === 'garbage') headers.authorization = 'Basic %%%';
        if (r.auth === 'bearer') headers.authorization = 'Bearer abc';
        if (r.auth === 'signature') headers['x-signature'] = createHmac('sha1', secret).update(body).digest('hex');
        if (r.encoding === 'gzip') {
          body = gzipSync(body);
          headers['content-encoding'] = 'gzip';
        } else if (r.encoding === 'deflate') {
          body = deflateSync(body);
          headers['content-encoding'] = 'deflate';
        } else if (r.encoding === 'gzip-lie' || r.encoding === 'br') {
          headers['content-encoding'] = r.encoding === 'br' ? 'br' : 'gzip';
        }
        const res = await rawPost(t, r.path, headers, body);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        // 501 is Segment's protocol answer for a message type the hub does not take (a `delete`
        // notification): the one 5xx allowed, and only with that meaning.
        if (res.status === 501) expect(res.body.message).toContain('messages are not supported');
        else expect(res.status).toBeLessThan(500);
        if (res.status >= 400) expect(typeof res.body.message).toBe('string');
        else expect(res.body).toEqual({ success: true });
      }),
      { seed: SEED, numRuns: 400 },
    );
    // The fuzzer reached the handlers, not just the key check.
    process.stdout.write(`fuzz statuses: ${JSON.stringify(Object.fromEntries(statuses))}\n`);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(20);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(5);
    expect(statuses.get(401) ?? 0).toBeGreaterThan(5);
    // And the app is still up.
    await t.http().post('/hooks/segment').set('authorization', basic(seg.apiKey)).send({ type: 'track', userId: 'u', event: 'After fuzz' }).expect(200);
  }, 180_000);
});
