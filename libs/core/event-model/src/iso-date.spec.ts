import fc from 'fast-check';
import { parseIsoDate } from './iso-date';

describe('parseIsoDate', () => {
  it.each([
    ['2024-05-01T12:30:45.123Z', '2024-05-01T12:30:45.123Z'],
    ['2024-05-01T12:30:45Z', '2024-05-01T12:30:45.000Z'],
    ['2024-05-01T12:30Z', '2024-05-01T12:30:00.000Z'],
    ['2024-05-01T14:30:45.5+02:00', '2024-05-01T12:30:45.500Z'],
    ['2024-05-01T07:30:45-0500', '2024-05-01T12:30:45.000Z'],
    ['2024-05-01T14:30:45+02', '2024-05-01T12:30:45.000Z'],
    ['2024-05-01 12:30:45.123456789z', '2024-05-01T12:30:45.123Z'],
    ['2024-05-01', '2024-05-01T00:00:00.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
  ])('reads %s', (text, iso) => {
    expect(new Date(parseIsoDate(text) as number).toISOString()).toBe(iso);
  });

  it('reads a date-time without a zone as UTC, never as the server local time', () => {
    expect(parseIsoDate('2024-05-01T12:30:45')).toBe(Date.UTC(2024, 4, 1, 12, 30, 45));
  });

  it('keeps years 0-99 as written instead of mapping them to 1900-1999', () => {
    expect(new Date(parseIsoDate('0099-01-01T00:00:00Z') as number).getUTCFullYear()).toBe(99);
  });

  it.each([
    '2024-02-30T00:00:00Z',
    '2023-02-29',
    '2024-13-01',
    '2024-00-10',
    '2024-05-01T24:00:00Z',
    '2024-05-01T12:60:00Z',
    '2024-05-01T12:30:60Z',
    '2024-05-01T12:30:00+24:00',
    '2024-05-01T12:30:00+02:60',
    '1714566645000',
    'yesterday',
    '',
    ' 2024-05-01',
    '2024-5-1',
    '24-05-01T00:00:00Z',
  ])('rejects %p', (text) => {
    expect(parseIsoDate(text)).toBeUndefined();
  });
});

describe('parseIsoDate against the Date-based reading it replaced', () => {
  // The earlier implementation: calendar checks and the instant through Date#setUTC*.
  function reference(text: string): number | undefined {
    const m = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/.exec(text);
    if (!m) return undefined;
    const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone] = m;
    const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number);
    const probe = new Date(0);
    probe.setUTCFullYear(year, month, 0);
    if (month < 1 || month > 12 || day < 1 || day > probe.getUTCDate()) return undefined;
    if (hour > 23 || minute > 59 || second > 59) return undefined;
    let offset = 0;
    if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
      const digits = zone.slice(1).replace(':', '');
      const [oh, om] = [Number(digits.slice(0, 2)), digits.length > 2 ? Number(digits.slice(2, 4)) : 0];
      if (oh > 23 || om > 59) return undefined;
      offset = (zone.startsWith('-') ? -1 : 1) * (oh * 60 + om);
    }
    const utc = new Date(0);
    utc.setUTCFullYear(year, month - 1, day);
    utc.setUTCHours(hour, minute, second, Number(fraction.slice(0, 3).padEnd(3, '0')));
    return utc.getTime() - offset * 60_000;
  }

  it('agrees on generated date-times of every form and year', () => {
    const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
    const text = fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, '0')),
        two(13),
        two(32),
        fc.constantFrom('T', 't', ' '),
        two(24),
        two(60),
        two(60),
        fc.constantFrom('', '.5', '.123', ',123456', '.0001'),
        fc.constantFrom('', 'Z', 'z', '+02:00', '-0530', '+14', '+24:00', '-01:60'),
      )
      .map(([y, mo, d, t, h, mi, s, f, z]) => `${y}-${mo}-${d}${t}${h}:${mi}:${s}${f}${z}`);
    fc.assert(
      fc.property(fc.oneof(text, fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string()), (t) => {
        expect(parseIsoDate(t)).toBe(reference(t));
      }),
      { seed: 20251201, numRuns: 5000 },
    );
  });
});
