import { pickWithinBudget, planBatch, type StageSummaryRow } from './batch-plan';

const row = (over: Partial<StageSummaryRow>): StageSummaryRow => ({
  installationId: 'i1',
  state: 'new',
  type: 'track',
  n: 1,
  lastReceivedAt: '2025-01-01T00:00:00.000Z',
  bothIds: 0,
  anonymousOnly: 0,
  ...over,
});

describe('planBatch', () => {
  it('counts projected messages by type and dropped ones by reason, per installation', () => {
    const plan = planBatch([
      row({ n: 5 }),
      row({ type: 'identify', n: 2 }),
      row({ state: 'duplicate', n: 3 }),
      row({ installationId: 'i2', state: 'echo', n: 4, lastReceivedAt: '2025-02-01T00:00:00.000Z' }),
      row({ installationId: 'i2', state: 'ignored', n: 1, lastReceivedAt: '2025-01-15T00:00:00.000Z' }),
    ]);
    expect(plan.counts).toEqual({ track: 5, identify: 2, duplicate: 3, echo: 4, ignored: 1 });
    expect(plan.installations).toEqual([
      { installation_id: 'i1', counts: { track: 5, identify: 2, duplicate: 3 }, last_event_at: '2025-01-01T00:00:00.000Z', received: true },
      // An echo does not make the source receiving nor move its lastEventAt.
      { installation_id: 'i2', counts: { echo: 4, ignored: 1 }, last_event_at: '2025-01-15T00:00:00.000Z', received: true },
    ]);
    expect(plan).toMatchObject({ hasNew: true, needsLinks: false, needsAnonymousProfiles: false });
  });

  it('asks for identity linking only when a batch has aliases, identify with both ids, or anonymous identify', () => {
    expect(planBatch([row({ type: 'alias' })]).needsLinks).toBe(true);
    expect(planBatch([row({ type: 'identify', bothIds: 1 })]).needsLinks).toBe(true);
    expect(planBatch([row({ type: 'track', bothIds: 1 })]).needsLinks).toBe(false);
    expect(planBatch([row({ type: 'identify', anonymousOnly: 1 })]).needsAnonymousProfiles).toBe(true);
    expect(planBatch([row({ state: 'duplicate', type: 'alias' })]).needsLinks).toBe(false);
    expect(planBatch([row({ state: 'echo' })])).toMatchObject({ hasNew: false, installations: [expect.objectContaining({ received: false })] });
  });
});

describe('pickWithinBudget', () => {
  it('takes the oldest rows within the event budget, and always at least one', () => {
    const rows = [{ eventCount: 40 }, { eventCount: 40 }, { eventCount: 30 }];
    expect(pickWithinBudget(rows, 100)).toHaveLength(2);
    expect(pickWithinBudget(rows, 200)).toHaveLength(3);
    expect(pickWithinBudget([{ eventCount: 2500 }], 100)).toHaveLength(1);
  });
});
