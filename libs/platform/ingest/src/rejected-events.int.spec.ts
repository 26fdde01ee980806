import {
  basic,
  type IngestTestApp,
  type SegmentInstallation,
  segmentInstallation,
  startIngestApp,
  tenant,
  type Tenant,
} from '../test/ingest-test-app';

describe('rejected events API (real PostgreSQL)', () => {
  let t: IngestTestApp;
  let a: Tenant;
  let b: Tenant;
  let seg1: SegmentInstallation;
  let seg2: SegmentInstallation;
  let segB: SegmentInstallation;

  const list = (who: Tenant, query = '') => t.http().get(`/api/v1/workspaces/${who.ws}/rejected-events${query}`).set('authorization', who.auth);

  beforeAll(async () => {
    t = await startIngestApp();
    [a, b] = await Promise.all([tenant(t), tenant(t)]);
    [seg1, seg2, segB] = await Promise.all([segmentInstallation(t, a), segmentInstallation(t, a), segmentInstallation(t, b)]);
    const bad = (n: number) => ({ type: 'track', messageId: `bad-${n}`, userId: 'u', properties: { n }, __proto__: { polluted: true } });
    // 5 rejected in seg1 over two requests, 1 in seg2, 1 in B.
    await t.http().post('/hooks/segment').set('authorization', basic(seg1.apiKey)).send({ batch: [bad(1), bad(2), bad(3)] }).expect(200);
    await t.http().post('/hooks/segment').set('authorization', basic(seg1.apiKey)).send({ batch: [bad(4), bad(5)] }).expect(200);
    await t.http().post('/hooks/segment').set('authorization', basic(seg2.apiKey)).send({ batch: [bad(6)] }).expect(200);
    await t.http().post('/hooks/segment').set('authorization', basic(segB.apiKey)).send({ batch: [bad(7)] }).expect(200);
  });
  afterAll(() => t?.close());

  it('lists what was set aside, newest first, with the reason and the event as sent', async () => {
    const res = await list(a).expect(200);
    expect(res.body.nextCursor).toBeNull();
    expect(res.body.items.map((i: { messageId: string }) => i.messageId)).toEqual(['bad-6', 'bad-5', 'bad-4', 'bad-3', 'bad-2', 'bad-1']);
    expect(res.body.items[0]).toEqual({
      id: expect.any(String),
      installationId: seg2.id,
      receivedAt: expect.any(String),
      messageId: 'bad-6',
      batchIndex: 0,
      errors: [{ path: 'event', message: expect.any(String) }],
      bytes: expect.any(Number),
      payload: { type: 'track', messageId: 'bad-6', userId: 'u', properties: { n: 6 } },
    });
  });

  it('filters by installation and pages with a cursor', async () => {
    const first = await list(a, `?installationId=${seg1.id}&limit=2`).expect(200);
    expect(first.body.items.map((i: { messageId: string }) => i.messageId)).toEqual(['bad-5', 'bad-4']);
    const second = await list(a, `?installationId=${seg1.id}&limit=2&cursor=${first.body.nextCursor}`).expect(200);
    expect(second.body.items.map((i: { messageId: string }) => i.messageId)).toEqual(['bad-3', 'bad-2']);
    const third = await list(a, `?installationId=${seg1.id}&limit=2&cursor=${second.body.nextCursor}`).expect(200);
    expect(third.body.items.map((i: { messageId: string }) => i.messageId)).toEqual(['bad-1']);
    expect(third.body.nextCursor).toBeNull();
  });

  it("never shows another workspace's events; B's installation id answers 404 like a missing one", async () => {
    expect(JSON.stringify((await list(a)).body)).not.toContain('bad-7');
    const theirs = await list(a, `?installationId=${segB.id}`);
    const missing = await list(a, `?installationId=3f2a9c4e-0b7d-4e61-9a55-2c8d1e7f6a10`);
    expect(theirs.status).toBe(404);
    expect(theirs.text).toBe(missing.text);
    expect((await list(a, '?installationId=nope')).status).toBe(404);
    expect((await t.http().get(`/api/v1/workspaces/${b.ws}/rejected-events`).set('authorization', a.auth)).status).toBe(404);
  });

  it('refuses bad paging with 400 and a message', async () => {
    for (const q of ['?limit=0', '?limit=501', '?limit=x', '?cursor=garbage', `?cursor=${Buffer.from('["x","1"]').toString('base64url')}`]) {
      const res = await list(a, q);
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual(expect.any(String));
    }
  });
});
