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
