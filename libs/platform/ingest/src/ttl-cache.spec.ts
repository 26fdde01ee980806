import { TtlCache } from './ttl-cache';

describe('TtlCache', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000;
  });

  it('serves from memory until the TTL, then loads again', async () => {
    const cache = new TtlCache<string, number>(5000, 10, clock);
    let loads = 0;
    const load = async () => ({ value: ++loads });
    expect(await cache.get('k', load)).toBe(1);
    now += 4999;
    expect(await cache.get('k', load)).toBe(1);
    now += 2;
    expect(await cache.get('k', load)).toBe(2);
  });

  it('shares one load between concurrent misses and does not cache failures', async () => {
    const cache = new TtlCache<string, string>(5000, 10, clock);
    let loads = 0;
    let release: (v: { value: string }) => void = () => undefined;
    const pending = new Promise<{ value: string }>((r) => (release = r));
    const both = Promise.all([cache.get('k', () => (loads++, pending)), cache.get('k', () => (loads++, pending))]);
    release({ value: 'v' });
    expect(await both).toEqual(['v', 'v']);
    expect(loads).toBe(1);
    await expect(cache.get('x', async () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    expect(await cache.get('x', async () => ({ value: 'ok' }))).toBe('ok');
  });

  it('honours a shorter lifetime from the loader and evicts the oldest beyond its size', async () => {
    const cache = new TtlCache<string, string>(5000, 2, clock);
    await cache.get('short', async () => ({ value: 'a', ttlMs: 100 }));
    now += 101;
    expect(await cache.get('short', async () => ({ value: 'b' }))).toBe('b');
    await cache.get('k2', async () => ({ value: 'k2' }));
    await cache.get('k3', async () => ({ value: 'k3' }));
    expect(await cache.get('short', async () => ({ value: 'reloaded' }))).toBe('reloaded');
  });
});
