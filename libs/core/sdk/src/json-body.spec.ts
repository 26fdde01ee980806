import { ValidationError } from './errors';
import { jsonNestsDeeperThan, parseJsonBody } from './json-body';

describe('parseJsonBody', () => {
  it('parses UTF-8 JSON and drops a BOM', () => {
    expect(parseJsonBody(Buffer.from('\ufeff{"a":"é"}'))).toEqual({ a: 'é' });
  });

  it.each([
    ['invalid UTF-8', Buffer.from([0x22, 0xc3, 0x28, 0x22]), 'not valid UTF-8'],
    ['empty', Buffer.from(' \n'), 'empty'],
    ['too deep', Buffer.from('['.repeat(65) + ']'.repeat(65)), 'deeper than 64'],
    ['broken', Buffer.from('{"a": secret-value}'), 'not valid JSON'],
  ])('refuses a body that is %s with a ValidationError', (_name, body, message) => {
    const err = (() => {
      try {
        parseJsonBody(body);
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ValidationError);
    expect(err?.message).toContain(message);
    expect(err?.message).not.toContain('secret-value');
  });

  it('counts depth outside strings only', () => {
    expect(jsonNestsDeeperThan('{"a":"[[[[[[[[[[[[["}', 2)).toBe(false);
    expect(jsonNestsDeeperThan('{"a":"\\"[[[","b":[[1]]}', 2)).toBe(true);
    expect(jsonNestsDeeperThan('[[]]', 2)).toBe(false);
    expect(jsonNestsDeeperThan('[[[]]]', 2)).toBe(true);
  });
});
