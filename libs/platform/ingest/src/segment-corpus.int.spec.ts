import {
  basic,
  inboxRows,
  type IngestTestApp,
  rawPost,
  rejectedRows,
  type SegmentInstallation,
  segmentInstallation,
  startIngestApp,
  tenant,
} from '../test/ingest-test-app';
import { snakeCaseExamples, specExamples, trackOfSize, unicodeTrack } from '../test/segment-spec-corpus';

type Stored = Record<string, unknown>;

describe('Segment Spec corpus through the inbound routes (real PostgreSQL)', () => {
  let t: IngestTestApp;
  let seg: SegmentInstallation;
  const partner = (body: unknown) => t.http().post('/hooks/segment').set('authorization', basic(seg.apiKey)).set('user-agent', 'Segment.io/1.0').send(body as object);
  const stored = async (): Promise<Map<string, Stored>> =>
    new Map((await inboxRows(t, seg.id)).flatMap((r) => r.events).map((e) => [e.messageId as string, e]));

  beforeAll(async () => {
    t = await startIngestApp();
    seg = await segmentInstallation(t, await tenant(t));
  });
  afterAll(() => t?.close());

  it.each(Object.entries(specExamples))('keeps the documented %s example, full context included, normalized', async (type, example) => {
    await partner(example).expect(200);
    const event = (await stored()).get(example.messageId as string);
    expect(event).toMatchObject({ type, messageId: example.messageId, context: example.context, integrations: example.integrations });
    // timestamp = receivedAt - (sentAt - originalTimestamp): 1,111 ms before the hub received it.
    expect(Date.parse(event?.receivedAt as string) - Date.parse(event?.timestamp as string)).toBe(1111);
    expect(event?.receivedAt).not.toBe(example.receivedAt);
    for (const field of ['traits', 'properties', 'event', 'name', 'groupId', 'previousId', 'userId']) {
      if (example[field] !== undefined) expect(event?.[field]).toEqual(example[field]);
    }
  });

  it('takes every example in one Tracking API batch, one inbox row', async () => {
    const batch = Object.values(specExamples).map((e) => ({ ...e, messageId: `batch-${e.messageId}` }));
    await t.http().post('/v1/batch').set('authorization', basic(seg.writeKey)).send({ batch, sentAt: new Date().toISOString() }).expect(200);
    const last = (await inboxRows(t, seg.id)).at(-1);
    expect(last?.event_count).toBe(6);
    expect(last?.events.map((e) => e.type)).toEqual(['identify', 'track', 'page', 'screen', 'group', 'alias']);
  });

  it('reads snake_case fields and stores them camelCase', async () => {
    await partner({ batch: Object.values(snakeCaseExamples) }).expect(200);
    const events = await stored();
    expect(events.get('snake-identify')).toMatchObject({ userId: 'snake-1', traits: { first_name: 'Ada' } });
    expect(events.get('snake-track')).toMatchObject({ anonymousId: 'anon-snake', originalTimestamp: '2024-05-01T10:00:00.000Z' });
    expect(events.get('snake-group')).toMatchObject({ groupId: 'acme' });
    expect(events.get('snake-alias')).toMatchObject({ previousId: 'anon-snake', userId: 'snake-2' });
    for (const e of events.values()) expect(Object.keys(e).some((k) => k.includes('_') && k !== 'messageId')).toBe(false);
  });

  it('keeps unicode exactly, and turns what Postgres cannot hold (NUL, lone surrogates) into U+FFFD', async () => {
    await partner(unicodeTrack).expect(200);
    const event = (await stored()).get('unicode-✓');
    expect(event).toMatchObject({ userId: 'ユーザー-😀', event: unicodeTrack.event });
    expect(event?.properties).toEqual({ ...unicodeTrack.properties, nul: 'a\ufffdb' });
    const lone = await rawPost(t, '/hooks/segment', { authorization: basic(seg.apiKey), 'content-type': 'application/json' }, '{"type":"track","userId":"u","event":"x\\ud800","messageId":"lone-surrogate"}');
    expect(lone.status).toBe(200);
    expect((await stored()).get('lone-surrogate')?.event).toBe('x\ufffd');
  });

  it('accepts an event of 31 KB and sets one of 33 KB aside with its size', async () => {
    const ok = trackOfSize(31 * 1024, 'size-31k');
    const tooBig = trackOfSize(33 * 1024, 'size-33k');
    await partner({ batch: [ok, tooBig] }).expect(200);
    expect((await stored()).has('size-31k')).toBe(true);
    expect((await stored()).has('size-33k')).toBe(false);
    const rejected = (await rejectedRows(t, seg.id)).find((r) => r.message_id === 'size-33k');
    expect(rejected).toMatchObject({ batch_index: 1, bytes: 33 * 1024, payload: null });
    expect(rejected?.errors[0].message).toContain('over the limit of 32768 bytes');
  });

  it('takes a Tracking API batch of 2,500 events as one inbox row, and refuses 2,501 with 413', async () => {
    const batch = Array.from({ length: 2500 }, (_, i) => ({ type: 'track', userId: `u${i % 50}`, event: 'Bulk', messageId: `bulk-${i}`, properties: { i } }));
    await t.http().post('/v1/batch').set('authorization', basic(seg.writeKey)).send({ batch }).expect(200);
    const last = (await inboxRows(t, seg.id)).at(-1);
    expect(last?.event_count).toBe(2500);
    const over = await t.http().post('/v1/batch').set('authorization', basic(seg.writeKey)).send({ batch: [...batch, batch[0]] });
    expect(over.status).toBe(413);
    expect(over.body.message).toContain('2500');
  });

  it('takes a Webhooks batch of 4,000 events above the Tracking API limits, in one row', async () => {
    const events = Array.from({ length: 4000 }, (_, i) => ({ type: 'track', userId: 'w', event: 'Webhook', messageId: `wh-${i}`, properties: { pad: 'p'.repeat(150) } }));
    await partner(events).expect(200);
    const last = (await inboxRows(t, seg.id)).at(-1);
    expect(last?.event_count).toBe(4000);
  });

  it('stores events without prototype keys and never pollutes prototypes', async () => {
    const body = '{"batch":[{"type":"identify","userId":"proto","messageId":"proto-1","traits":{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"x":1}},"plan":"pro"}}],"context":{"__proto__":{"polluted":true}}}';
    const res = await rawPost(t, '/v1/batch', { authorization: basic(seg.writeKey), 'content-type': 'application/json' }, body);
    expect(res.status).toBe(200);
    expect(({} as Record<string, unknown>)['isAdmin']).toBeUndefined();
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    const event = (await stored()).get('proto-1');
    expect(event?.traits).toEqual({ plan: 'pro' });
    expect(JSON.stringify(event)).not.toMatch(/__proto__|constructor|polluted/);
  });

  it('sets aside events that nest too deep or have too many keys, before walking them', async () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 40; i++) deep = { d: deep };
    const wide = Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`k${i}`, i]));
    await partner({
      batch: [
        { type: 'track', userId: 'u', event: 'Deep', messageId: 'deep-1', properties: deep },
        { type: 'track', userId: 'u', event: 'Wide', messageId: 'wide-1', properties: wide },
        { type: 'track', userId: 'u', event: 'Fine', messageId: 'fine-1' },
      ],
    }).expect(200);
    const rejected = await rejectedRows(t, seg.id);
    expect(rejected.find((r) => r.message_id === 'deep-1')?.errors[0].message).toContain('nested deeper');
    expect(rejected.find((r) => r.message_id === 'wide-1')?.errors[0].message).toContain('over the limit of 1000');
    expect((await stored()).has('fine-1')).toBe(true);
  });
});
