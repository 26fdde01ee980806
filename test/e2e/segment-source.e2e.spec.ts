/**
 * The Segment source with the built admin app and worker as processes, against the Tracking API
 * stand-in: a worker SIGKILLed while it sends loses nothing and repeats only the same
 * messageIds; and an event received through the Segment destination's `/v1/track` is forwarded
 * to Segment by a subscription, once.
 */
import { SegmentStandIn } from '@hub/testing';
import { Client } from 'pg';
import { eventually, startHub, type HubUnderTest } from './profiles-hub';

jest.setTimeout(180_000);

const KEY = 'e2eSourceWriteKey00001';

describe('segment-source (built apps as processes)', () => {
  let s: SegmentStandIn;
  let hub: HubUnderTest;
  let db: Client;
  let sourceId: string;

  beforeAll(async () => {
    // A slow Segment: requests are in flight long enough to kill the worker in the middle of one.
    s = await SegmentStandIn.start({ writeKeys: [KEY], keepBodies: 10, latencyMs: 150 });
    hub = await startHub({ HUB_SEGMENT_ALLOW_CUSTOM_HOST: 'true', HUB_DELIVERY_RELAY_INTERVAL_MS: '1000', HUB_INBOX_RELAY_INTERVAL_MS: '1000' });
    db = new Client({ connectionString: hub.env.DATABASE_URL });
    await db.connect();
    const created = await hub.api('POST', '/installations', {
      connectorId: 'segment-source',
      name: 'Segment out',
      settings: { region: 'eu', writeKey: KEY, endpoint: s.url },
      enabled: true,
    });
    expect(created.status).toBe(201);
    expect(created.body.settings.writeKey).toBe('••••••');
    sourceId = created.body.id;
  });

  afterAll(async () => {
    await db?.end();
    await hub?.close();
    await s?.stop();
  });

  beforeEach(() => s.reset());

  it('SIGKILL of the worker while sending: nothing lost, any repeat carries the same messageId', async () => {
    const n = 1500;
    const ids: string[] = [];
    const queue = Array.from({ length: n }, (_, i) => i);
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
          const res = await hub.api('POST', `/installations/${sourceId}/actions/track`, { input: { userId: `k-${i % 40}`, event: 'Killed Mid Send', properties: { i } } });
          expect(res.status).toBe(202);
          ids.push(res.body.deliveryId);
        }
      }),
    );
    // Kill as soon as Segment has started receiving, before everything is sent.
    await eventually(async () => s.requests.length > 0, 30_000, 'the first request');
    expect(s.distinctMessages).toBeLessThan(n);
    await hub.killWorker();
    await hub.startWorker();

    await eventually(
      async () => Number((await db.query(`SELECT count(*) FROM deliveries WHERE id = ANY($1::uuid[]) AND status = 'sent'`, [ids])).rows[0].count) === n,
      90_000,
      'every delivery sent',
    );
    const { rows } = await db.query(`SELECT message_ids FROM deliveries WHERE id = ANY($1::uuid[])`, [ids]);
    const ledger = new Set(rows.map((r: { message_ids: string[] }) => r.message_ids[0]));
    expect(ledger.size).toBe(n);
    await s.waitForMessages(n, 10_000);
    // Everything Segment saw is one of the ledger's messageIds: a repeat is a repeat of the same id.
    expect([...s.received.keys()].filter((id) => !ledger.has(id))).toEqual([]);
    expect(s.distinctMessages).toBe(n);
    expect(s.violations).toBe(0);
  });

  it('a track received through the Segment destination is forwarded by a subscription, seen by Segment once', async () => {
    const sub = await hub.api('POST', `/installations/${sourceId}/subscriptions`, {
      action: 'track',
      filter: { on: 'event', types: ['track'], events: ['Signed Up'] },
      mapping: { fields: { userId: { path: 'userId' }, event: { path: 'event' }, 'properties.plan': { path: 'properties.plan', default: 'free' } } },
    });
    expect(sub.status).toBe(201);
    const send = (body: unknown) =>
      fetch(`${hub.base}/v1/track`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${hub.writeKey}:`).toString('base64')}` },
        body: JSON.stringify(body),
      });
    const messageId = `inbound-${Date.now()}`;
    expect((await send({ userId: 'sub-user', event: 'Signed Up', properties: { plan: 'team' }, messageId })).status).toBe(200);
    // Segment retries: the same message again must not be forwarded twice.
    expect((await send({ userId: 'sub-user', event: 'Signed Up', properties: { plan: 'team' }, messageId })).status).toBe(200);
    expect((await send({ userId: 'sub-user', event: 'Logged In', messageId: `${messageId}-other` })).status).toBe(200);

    await s.waitForMessages(1, 60_000);
    await new Promise((r) => setTimeout(r, 3000));
    expect(s.distinctMessages).toBe(1);
    expect(s.duplicates()).toEqual([]);
    const [forwarded] = s.accepted;
    expect(forwarded.message).toMatchObject({
      type: 'track',
      event: 'Signed Up',
      userId: 'sub-user',
      properties: { plan: 'team' },
      context: { hubOrigin: { installationId: sourceId } },
    });
    const deliveries = await hub.api('GET', `/deliveries?installationId=${sourceId}&status=sent`);
    expect(deliveries.body.items.filter((d: { source: string }) => d.source === 'subscription')).toHaveLength(1);
  });
});
