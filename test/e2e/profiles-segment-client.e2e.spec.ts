/**
 * The real `@segment/analytics-node` 3.1.0 client, its `host` pointed at the built hub, sends
 * identify, group, track, page and alias calls; the profile API then shows the accounts, users,
 * memberships (and an unlink), attribution and catalogs that DESIGN.md promises.
 */
import { Analytics } from '@segment/analytics-node';
import { eventually, type HubUnderTest, startHub } from './profiles-hub';

describe('profiles from @segment/analytics-node (built apps as processes)', () => {
  let hub: HubUnderTest;

  beforeAll(async () => {
    hub = await startHub();
  }, 120_000);
  afterAll(() => hub?.close(), 60_000);

  it('builds accounts, users, memberships, attribution and catalogs from a Segment library’s batches', async () => {
    const settings = await hub.api('PUT', '/model-settings', { accountNameTrait: 'name', userEmailTrait: 'email', accountIdProperty: 'accountId', pageEvents: true });
    expect(settings.status).toBe(200);

    const analytics = new Analytics({ writeKey: hub.writeKey, host: hub.base, flushAt: 5, flushInterval: 100, maxRetries: 3 });
    const failures: unknown[] = [];
    analytics.on('error', (err) => failures.push(err));
    const at = (minute: number) => new Date(Date.parse('2025-03-01T09:00:00.000Z') + minute * 60_000);

    analytics.identify({ anonymousId: 'anon-visitor', traits: { utm_source: 'newsletter' }, timestamp: at(0) });
    analytics.group({ userId: 'ada', groupId: 'acme', traits: { name: 'Acme Inc', plan: 'enterprise', employees: 250 }, timestamp: at(1) });
    analytics.group({ userId: 'ada', groupId: 'globex', traits: { name: 'Globex' }, timestamp: at(1) });
    analytics.identify({ userId: 'ada', traits: { email: 'ada@acme.test', name: 'Ada', company: { id: 'initech' } }, timestamp: at(2) });
    analytics.identify({ userId: 'bob', traits: { email: 'bob@acme.test' }, timestamp: at(2) });
    analytics.group({ userId: 'bob', groupId: 'acme', traits: {}, timestamp: at(3) });
    analytics.track({ userId: 'ada', event: 'Report Built', properties: { rows: 10 }, context: { groupId: 'acme' }, timestamp: at(4) });
    analytics.track({ userId: 'bob', event: 'Report Built', properties: { accountId: 'globex' }, timestamp: at(5) });
    analytics.track({ userId: 'bob', event: 'Invite Sent', properties: {}, timestamp: at(6) });
    analytics.page({ userId: 'ada', name: 'Pricing', properties: { path: '/pricing' }, timestamp: at(7) });
    // Ada leaves Globex (Vitally's unlink), and the visitor signs up as Cy.
    analytics.identify({ userId: 'ada', traits: { company: { id: 'globex', remove: true } as { id: string } }, timestamp: at(8) });
    analytics.alias({ userId: 'cy', previousId: 'anon-visitor', timestamp: at(9) });
    analytics.identify({ userId: 'cy', traits: { email: 'cy@initech.test' }, timestamp: at(10) });
    await analytics.closeAndFlush({ timeout: 20_000 });
    expect(failures).toEqual([]);

    const events = await eventually(
      async () => {
        const res = await hub.api('GET', '/events?limit=500');
        return res.body.items.length === 13 && res.body.items;
      },
      30_000,
      'the 13 events to be projected',
    );
    // analytics-node makes its own message ids: find events by what they are.
    type Ev = { type: string; event: string | null; userId: string | null; accountId: string | null };
    const find = (match: Partial<Ev>) =>
      events.find((e: Ev) => Object.entries(match).every(([k, v]) => e[k as keyof Ev] === v)) as Ev;

    const accounts = (await hub.api('GET', '/accounts')).body.items as { id: string; groupId: string; name: string | null; memberCount: number; traits: Record<string, unknown> }[];
    const account = (groupId: string) => accounts.find((a) => a.groupId === groupId) as (typeof accounts)[number];
    expect(accounts.map((a) => a.groupId).sort()).toEqual(['acme', 'globex', 'initech']);
    expect(account('acme')).toMatchObject({ name: 'Acme Inc', memberCount: 2, traits: { plan: 'enterprise', employees: 250 } });
    expect(account('globex')).toMatchObject({ name: 'Globex', memberCount: 0 });

    const users = (await hub.api('GET', '/users')).body.items as { id: string; userId: string; email: string; anonymousIds: string[]; accountIds: string[]; traits: Record<string, unknown> }[];
    const user = (userId: string) => users.find((u) => u.userId === userId) as (typeof users)[number];
    expect(users.map((u) => u.userId).sort()).toEqual(['ada', 'bob', 'cy']);
    expect(user('ada').email).toBe('ada@acme.test');
    expect(user('ada').accountIds.sort()).toEqual([account('acme').id, account('initech').id].sort());
    // The visitor's anonymous profile was merged into Cy on alias, traits included.
    expect(user('cy')).toMatchObject({ email: 'cy@initech.test', anonymousIds: ['anon-visitor'], traits: { utm_source: 'newsletter' } });

    // Attribution: context.groupId, then the accountId property, then the user's last account.
    expect(find({ type: 'track', userId: 'ada' }).accountId).toBe(account('acme').id);
    expect(find({ type: 'track', userId: 'bob', event: 'Report Built' }).accountId).toBe(account('globex').id);
    expect(find({ event: 'Invite Sent' }).accountId).toBe(account('acme').id);
    expect(find({ type: 'page' })).toMatchObject({ type: 'page', event: 'Pricing' });
    const acmeView = (await hub.api('GET', `/accounts/${account('acme').id}`)).body;
    expect(acmeView.members.map((m: { userId: string }) => m.userId).sort()).toEqual(['ada', 'bob']);

    const traits = (await hub.api('GET', '/catalog/traits?entity=account')).body.items.map((t: { key: string }) => t.key);
    expect(traits).toEqual(['employees', 'name', 'plan']);
    const userTraits = (await hub.api('GET', '/catalog/traits?entity=user')).body.items.map((t: { key: string; type: string }) => `${t.key}:${t.type}`);
    expect(userTraits).toEqual(['company:object', 'email:string', 'name:string', 'utm_source:string']);
    const catalog = (await hub.api('GET', '/catalog/events')).body.items;
    expect(catalog).toEqual([
      expect.objectContaining({ name: 'Invite Sent', status: 'tracked', count: 1 }),
      expect.objectContaining({ name: 'Report Built', status: 'tracked', count: 2 }),
    ]);

    const installation = (await fetch(`${hub.base}/api/v1/workspaces/${hub.workspaceId}/installations/${hub.installationId}`, {
      headers: { authorization: `Bearer ${hub.token}` },
    }).then((r) => r.json())) as { status: string; lastEventAt: string | null; eventCounts: Record<string, number> };
    expect(installation.status).toBe('receiving');
    expect(installation.lastEventAt).not.toBeNull();
    expect(installation.eventCounts).toEqual({ identify: 5, group: 3, track: 3, page: 1, alias: 1 });
  }, 90_000);
});
