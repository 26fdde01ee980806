/**
 * A small in-process cache for hot-path lookups (inbound keys, installations): entries live at
 * most `ttlMs`, concurrent misses share one load (single flight), failed loads are not cached,
 * and the oldest entries go first beyond `maxEntries`. Per process: a rotation or a disable made
 * through another replica is seen here within `ttlMs`.
 */
export class TtlCache<K, V> {
  private readonly entries = new Map<K, { expiresAt: number; value: Promise<V> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** `load` may return a shorter lifetime (e.g. a key that expires sooner) with the value. */
  get(key: K, load: () => Promise<{ value: V; ttlMs?: number }>): Promise<V> {
    const now = this.now();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    if (hit) this.entries.delete(key);
    const entry = { expiresAt: now + this.ttlMs, value: undefined as unknown as Promise<V> };
    entry.value = load().then(
      ({ value, ttlMs }) => {
        if (ttlMs !== undefined) entry.expiresAt = Math.min(entry.expiresAt, this.now() + Math.max(0, ttlMs));
        return value;
      },
      (err: unknown) => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
        throw err;
      },
    );
    this.entries.set(key, entry);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as K);
    return entry.value;
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
