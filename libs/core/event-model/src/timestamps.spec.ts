import fc from 'fast-check';
import { parseIsoDate } from './iso-date';
import { deriveTimestamps, type SentClock } from './timestamps';

describe('deriveTimestamps', () => {
  // Every output is what Date#toISOString prints for the derived instants (the sender's own text
  // is reused only when it is exactly that).
  function reference(sent: SentClock, receivedAt: Date) {
    const ms = (f?: { value: unknown }) => (f === undefined ? undefined : parseIsoDate(f.value as string));
    const [timestamp, original, sentAt] = [ms(sent.timestamp), ms(sent.originalTimestamp), ms(sent.sentAt)];
    let derived = receivedAt.getTime();
    if (sentAt !== undefined && original !== undefined) derived = receivedAt.getTime() - (sentAt - original);
    else if (timestamp !== undefined) derived = timestamp;
    return {
      timestamp: new Date(derived).toISOString(),
      ...(original !== undefined && { originalTimestamp: new Date(original).toISOString() }),
      ...(sentAt !== undefined && { sentAt: new Date(sentAt).toISOString() }),
      receivedAt: receivedAt.toISOString(),
    };
  }

  it('prints the derived instants as toISOString does, for every form the sender may use', () => {
    const iso = fc.oneof(
      fc.date({ noInvalidDate: true, min: new Date('0000-01-02T00:00:00Z'), max: new Date('9999-12-30T00:00:00Z') }).map((d) => d.toISOString()),
      fc.date({ noInvalidDate: true, min: new Date('1990-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z') }).map((d) =>
        d.toISOString().replace('.000Z', 'Z').replace('T', ' ').replace(/Z$/, '+00:00'),
      ),
      fc.constantFrom('2024-05-01T12:00:00.000z', '2024-05-01t12:00:00.000Z', '2024-05-01T12:00:00,000Z', '2024-05-01T12:00:00.1234'),
    );
    const field = (key: string) => fc.option(iso.map((value) => ({ value, key })), { nil: undefined });
    fc.assert(
      fc.property(field('timestamp'), field('originalTimestamp'), field('sentAt'), fc.date({ noInvalidDate: true, min: new Date('2000-01-01'), max: new Date('2100-01-01') }), (timestamp, originalTimestamp, sentAt, receivedAt) => {
        const sent = { timestamp, originalTimestamp, sentAt };
        const result = deriveTimestamps(sent, receivedAt);
        if (!result.ok) return; // out of the four-digit years: covered by normalize.spec
        expect(result.value).toStrictEqual(reference(sent, receivedAt));
      }),
      { seed: 20251201, numRuns: 3000 },
    );
  });
});
