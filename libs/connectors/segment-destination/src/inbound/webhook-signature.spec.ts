import { createHmac } from 'node:crypto';
import { firstEventText, segmentSignature, verifySegmentSignature } from './webhook-signature';

describe('Segment webhook signatures', () => {
  const secret = 's3cret';
  const body = Buffer.from('{"type":"track","event":"A","userId":"u"}');

  it('is hex HMAC-SHA1 of the raw body', () => {
    expect(segmentSignature(secret, body)).toBe(createHmac('sha1', secret).update(body).digest('hex'));
    expect(segmentSignature(secret, body)).toMatch(/^[0-9a-f]{40}$/);
  });

  it('accepts upper-case hex and surrounding spaces, refuses other formats', () => {
    const sig = segmentSignature(secret, body);
    expect(verifySegmentSignature(body, ` ${sig.toUpperCase()} `, secret)).toBe(true);
    expect(verifySegmentSignature(body, `sha1=${sig}`, secret)).toBe(false);
    expect(verifySegmentSignature(body, sig.slice(0, 39), secret)).toBe(false);
    expect(verifySegmentSignature(body, undefined, secret)).toBe(false);
    expect(verifySegmentSignature(body, sig, '')).toBe(false);
  });

  it('checks the first event of an array only when the raw body does not match', () => {
    const events = [{ type: 'track', event: 'A', userId: 'u' }, { type: 'track', event: 'B', userId: 'u' }];
    const raw = Buffer.from(JSON.stringify(events));
    const sig = segmentSignature(secret, JSON.stringify(events[0]));
    let parsed = 0;
    const read = () => {
      parsed++;
      return JSON.parse(raw.toString());
    };
    expect(verifySegmentSignature(raw, sig, secret, read)).toBe(true);
    expect(parsed).toBe(1);
    expect(verifySegmentSignature(raw, segmentSignature(secret, raw), secret, read)).toBe(true);
    expect(parsed).toBe(1);
    // An object body never takes the first-event path.
    const objectBody = Buffer.from(JSON.stringify({ batch: events }));
    expect(verifySegmentSignature(objectBody, sig, secret, read)).toBe(false);
    expect(parsed).toBe(1);
  });

  it('treats unreadable bodies and empty arrays as unsigned', () => {
    expect(firstEventText([])).toBeUndefined();
    expect(firstEventText({})).toBeUndefined();
    const sig = segmentSignature(secret, '{}');
    expect(verifySegmentSignature(Buffer.from('[{}'), sig, secret, () => JSON.parse('[{}'))).toBe(false);
  });
});
