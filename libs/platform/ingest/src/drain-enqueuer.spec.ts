import { DrainEnqueuer } from './drain-enqueuer.service';

/** A queue whose adds finish when the test says so. */
function fakeQueues() {
  const adds: { workspaceId: string; done: (err?: Error) => void }[] = [];
  const queue = {
    add: (_name: string, data: { workspaceId: string }) =>
      new Promise<void>((resolve, reject) => adds.push({ workspaceId: data.workspaceId, done: (err) => (err ? reject(err) : resolve()) })),
  };
  return { registry: { get: () => queue } as never, adds };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('DrainEnqueuer', () => {
  it('shares one add among the requests that committed while another was in flight', async () => {
    const { registry, adds } = fakeQueues();
    const drain = new DrainEnqueuer(registry);
    const first = drain.enqueue('ws-a');
    const during = [drain.enqueue('ws-a'), drain.enqueue('ws-a'), drain.enqueue('ws-a')];
    const other = drain.enqueue('ws-b');
    await tick();
    expect(adds.map((a) => a.workspaceId)).toEqual(['ws-a', 'ws-b']);
    adds[0].done();
    await expect(first).resolves.toBe(true);
    await tick();
    // The three that came during the first add share the next one, sent after their commits.
    expect(adds.map((a) => a.workspaceId)).toEqual(['ws-a', 'ws-b', 'ws-a']);
    let settled = false;
    void Promise.all(during).then(() => (settled = true));
    await tick();
    expect(settled).toBe(false);
    adds[2].done();
    await expect(Promise.all(during)).resolves.toEqual([true, true, true]);
    adds[1].done();
    await expect(other).resolves.toBe(true);
    // Idle again: the next request gets its own add.
    const later = drain.enqueue('ws-a');
    await tick();
    expect(adds).toHaveLength(4);
    adds[3].done();
    await expect(later).resolves.toBe(true);
  });

  it('answers false without failing when Redis fails, then skips Redis for a while', async () => {
    const { registry, adds } = fakeQueues();
    const drain = new DrainEnqueuer(registry);
    const failing = drain.enqueue('ws-a');
    await tick();
    adds[0].done(new Error('ECONNREFUSED'));
    await expect(failing).resolves.toBe(false);
    await expect(drain.enqueue('ws-a')).resolves.toBe(false);
    expect(adds).toHaveLength(1);
  });
});
