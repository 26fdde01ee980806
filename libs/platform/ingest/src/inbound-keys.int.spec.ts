import { createHmac } from 'node:crypto';
import {
  basic,
  inboxRows,
  type IngestTestApp,
  rawPost,
  type SegmentInstallation,
  segmentInstallation,
  startIngestApp,
  tenant,
  type Tenant,
} from '../test/ingest-test-app';

/** Segment's Webhooks signature: hex HMAC-SHA1 of the body with the shared secret. */
const segmentSignature = (secret: string, body: string) => createHmac('sha1', secret).update(body).digest('hex');

const identify = (id: string) => ({ type: 'identify', userId: `u-${id}`, messageId: `m-${id}`, traits: { email: `${id}@example.com` } });

describe('inbound keys, rotation and tenant isolation (real PostgreSQL)', () => {
  let t: IngestTestApp;
  let a: Tenant;
  let b: Tenant;
  let segA: SegmentInstallation;
  let segB: SegmentInstallation;

  beforeAll(async () => {
    t = await startIngestApp();
    [a, b] = await Promise.all([tenant(t), tenant(t)]);
    [segA, segB] = await Promise.all([segmentInstallation(t, a), segmentInstallation(t, b)]);
  });
  afterAll(() => t?.close());

  const rotate = (who: Tenant, id: string, name: string, body: Record<string, unknown> = {}) =>
    t.http().post(`/api/v1/workspaces/${who.ws}/installations/${id}/inbound-keys/${name}/rotate`).set('authorization', who.auth).send(body);

  it('rotates a key: the new one is shown once, the old one works during the grace period', async () => {
    const seg = await segmentInstallation(t, a);
    const res = await rotate(a, seg.id, 'apiKey').expect(200);
    expect(res.body).toMatchObject({ name: 'apiKey', value: expect.stringMatching(/^hub_ak_/), expiresAt: null, previous: { prefix: seg.apiKey.slice(0, 11) } });
    const graceEnds = Date.parse(res.body.previous.expiresAt) - Date.now();
    expect(graceEnds).toBeGreaterThan(3500 * 1000);
    expect(graceEnds).toBeLessThanOrEqual(3600 * 1000);
    await t.http().post('/hooks/segment').set('authorization', basic(seg.apiKey)).send(identify('old')).expect(200);
    await t.http().post('/hooks/segment').set('authorization', basic(res.body.value)).send(identify('new')).expect(200);
    const view = await t.http().get(`/api/v1/workspaces/${a.ws}/installations/${seg.id}`).set('authorization', a.auth).expect(200);
    const apiKeys = view.body.inboundKeys.filter((k: { name: string }) => k.name === 'apiKey');
    expect(apiKeys).toHaveLength(2);
    expect(JSON.stringify(view.body)).not.toContain(res.body.value);
  });

  it('revokes at once with graceSeconds 0', async () => {
    const seg = await segmentInstallation(t, a);
    const res = await rotate(a, seg.id, 'writeKey', { graceSeconds: 0 }).expect(200);
    const old = await t.http().post('/v1/identify').set('authorization', basic(seg.writeKey)).send(identify('revoked'));
    expect(old.status).toBe(401);
    await t.http().post('/v1/identify').set('authorization', basic(res.body.value)).send(identify('fresh')).expect(200);
  });

  it('refuses bad rotation requests with 4xx and a message', async () => {
    expect((await rotate(a, segA.id, 'nope')).status).toBe(404);
    expect((await rotate(a, segA.id, 'apiKey', { graceSeconds: -1 })).status).toBe(400);
    expect((await rotate(a, segA.id, 'apiKey', { graceSeconds: 'soon' })).status).toBe(400);
    expect((await rotate(a, 'not-a-uuid', 'apiKey')).status).toBe(404);
    const viewer = await t.http().post(`/api/v1/workspaces/${a.ws}/installations/${segA.id}/inbound-keys/apiKey/rotate`).send({});
    expect(viewer.status).toBe(401);
  });

  it("answers 404 for another workspace's installation, exactly like a missing one, and rotates nothing", async () => {
    const theirs = await rotate(a, segB.id, 'apiKey');
    const missing = await rotate(a, '3f2a9c4e-0b7d-4e61-9a55-2c8d1e7f6a10', 'apiKey');
    expect(theirs.status).toBe(404);
    expect(theirs.text).toBe(missing.text);
    await t.http().post('/hooks/segment').set('authorization', basic(segB.apiKey)).send(identify('b-still-works')).expect(200);
  });

  it("never lets A's key write into B: not by key, not through B's installation URL", async () => {
    await t.http().post('/hooks/segment').set('authorization', basic(segA.apiKey)).send(identify('a-1')).expect(200);
    const viaB = await t.http().post(`/hooks/segment/${segB.id}`).set('authorization', basic(segA.apiKey)).send(identify('a-into-b'));
    expect(viaB.status).toBe(401);
    const bIds = (await inboxRows(t, segB.id)).flatMap((r) => r.events.map((e) => e.messageId));
    expect(bIds).not.toContain('m-a-1');
    expect(bIds).not.toContain('m-a-into-b');
    const rows: { workspace_id: string }[] = await t.db.query(`SELECT DISTINCT workspace_id FROM inbox WHERE installation_id = $1`, [segA.id]);
    expect(rows).toEqual([{ workspace_id: a.ws }]);
  });

  describe('Webhooks shared secret', () => {
    let seg: SegmentInstallation;
    let secret: string;

    beforeAll(async () => {
      seg = await segmentInstallation(t, a);
      // Without a secret, an unsigned delivery to the installation URL has no way in.
      const before = await t.http().post(`/hooks/segment/${seg.id}`).send(identify('unsigned'));
      expect(before.status).toBe(401);
      const res = await rotate(a, seg.id, 'sharedSecret').expect(200);
      expect(res.body).toMatchObject({ name: 'sharedSecret', prefix: '', masked: '••••••', previous: null });
      secret = res.body.value;
    });

    const signed = (body: string, key = secret) =>
      rawPost(t, `/hooks/segment/${seg.id}`, { 'content-type': 'application/json', 'x-signature': segmentSignature(key, body) }, body);

    it('accepts a signed delivery and refuses a forged one', async () => {
      const body = JSON.stringify(identify('signed'));
      expect((await signed(body)).status).toBe(200);
      const forged = await signed(body, 'guessed-secret');
      expect(forged.status).toBe(401);
      expect(forged.body.message).toContain('X-Signature');
      expect((await rawPost(t, `/hooks/segment/${seg.id}`, { 'content-type': 'application/json' }, body)).status).toBe(401);
    });

    it('accepts a batched Actions delivery signed over its first event', async () => {
      const events = [identify('batch-1'), identify('batch-2')];
      const res = await rawPost(
        t,
        `/hooks/segment/${seg.id}`,
        { 'content-type': 'application/json', 'x-signature': segmentSignature(secret, JSON.stringify(events[0])) },
        JSON.stringify(events),
      );
      expect(res.status).toBe(200);
      const ids = (await inboxRows(t, seg.id)).flatMap((r) => r.events.map((e) => e.messageId));
      expect(ids).toEqual(expect.arrayContaining(['m-batch-1', 'm-batch-2']));
    });

    it("refuses a valid signature sent to another installation's URL", async () => {
      const body = JSON.stringify(identify('wrong-url'));
      const res = await rawPost(t, `/hooks/segment/${segB.id}`, { 'content-type': 'application/json', 'x-signature': segmentSignature(secret, body) }, body);
      expect(res.status).toBe(401);
    });

    it('seals the secret: not stored in the clear, and both secrets verify during a rotation', async () => {
      const stored = JSON.stringify(await t.db.query(`SELECT encode(ciphertext, 'escape') AS c, prefix FROM inbound_keys WHERE installation_id = $1`, [seg.id]));
      expect(stored).not.toContain(secret);
      const res = await rotate(a, seg.id, 'sharedSecret').expect(200);
      const body = JSON.stringify(identify('rotating'));
      expect((await signed(body, secret)).status).toBe(200);
      expect((await signed(body, res.body.value)).status).toBe(200);
    });
  });
});
