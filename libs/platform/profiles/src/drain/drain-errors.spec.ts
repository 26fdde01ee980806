import { isDataError } from './drain-errors';

describe('isDataError', () => {
  it('recognises errors caused by a message’s data', () => {
    expect(isDataError({ code: '22007' })).toBe(true); // invalid datetime format
    expect(isDataError({ code: '22P05' })).toBe(true); // \u0000 in text
    expect(isDataError({ code: '54000' })).toBe(true); // index row too large
    expect(isDataError({ driverError: { code: '23505' } })).toBe(true);
  });

  it('leaves outages and bugs to the retry policy', () => {
    expect(isDataError({ code: '57P01' })).toBe(false); // admin shutdown
    expect(isDataError({ code: '08006' })).toBe(false); // connection failure
    expect(isDataError({ code: '42601' })).toBe(false); // syntax error: a bug, not data
    expect(isDataError(new Error('ECONNREFUSED'))).toBe(false);
    expect(isDataError(null)).toBe(false);
  });
});
