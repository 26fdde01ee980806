/**
 * The Tracking API stand-in in its own process for `bench:send`, so neither the hub's worker nor
 * the bare client shares an event loop with it. Driven over IPC: `stats`, `reset`, `down`, `up`.
 */
import { SegmentStandIn } from '@hub/testing';

type Command = { id: number; cmd: 'stats' | 'reset' | 'down' | 'up' };

async function main(): Promise<void> {
  const key = process.argv[2];
  const s = await SegmentStandIn.start({ writeKeys: [key], keepBodies: 0 });
  process.on('message', async (m: Command) => {
    if (m.cmd === 'reset') s.reset();
    if (m.cmd === 'down') await s.down();
    if (m.cmd === 'up') await s.up();
    const accepted = s.requests.filter((r) => r.status === 200 && r.events > 0);
    process.send?.({
      id: m.id,
      stats: {
        distinct: s.distinctMessages,
        duplicates: s.duplicateCount,
        requests: s.requests.length,
        acceptedRequests: accepted.length,
        acceptedEvents: accepted.reduce((n, r) => n + r.events, 0),
        refused: s.requests.filter((r) => r.status !== 200).length,
        violations: s.violations,
        maxRequestBytes: s.requests.reduce((n, r) => Math.max(n, r.bytes), 0),
        connections: s.connections,
        sizes: accepted.map((r) => r.events),
      },
    });
  });
  // The bench died or is done: do not outlive it.
  process.on('disconnect', () => process.exit(0));
  process.send?.({ id: 0, url: s.url });
}

void main();
