import { SLUG_PATTERN, slugFromName, withRandomSuffix } from './slug';

describe('workspace slugs', () => {
  it.each([
    ['Acme Corp', 'acme-corp'],
    ['  Ünïcödé Café  ', 'unicode-cafe'],
    ['--Growth & Marketing!!', 'growth-marketing'],
    ['A1', 'a1'],
    ['x'.repeat(100), 'x'.repeat(63)],
  ])('derives %j -> %j', (name, slug) => {
    expect(slugFromName(name)).toBe(slug);
  });

  it.each(['!!!', '日本', 'A', '-'])('falls back to a random valid slug for %j', (name) => {
    const slug = slugFromName(name);
    expect(slug).toMatch(/^ws-[0-9a-f]{6}$/);
    expect(slug).toMatch(SLUG_PATTERN);
  });

  it('never ends a truncated slug with a dash', () => {
    const slug = slugFromName(`${'a'.repeat(62)} b`);
    expect(slug).toMatch(SLUG_PATTERN);
    expect(slug.endsWith('-')).toBe(false);
  });

  it('adds a suffix and stays within 63 characters', () => {
    expect(withRandomSuffix('acme')).toMatch(/^acme-[0-9a-f]{6}$/);
    const long = withRandomSuffix('a'.repeat(63));
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(SLUG_PATTERN);
  });
});
