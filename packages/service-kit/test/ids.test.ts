import { HttpError, MAX_ID, parseId } from '../src';

describe('parseId', () => {
  test.each(['1', '42', String(MAX_ID)])('accepts %s', (raw) => {
    expect(parseId(raw)).toBe(Number(raw));
  });

  test.each([
    ['not an integer', 'abc'],
    ['a decimal', '1.5'],
    ['negative', '-1'],
    ['zero', '0'],
    ['a leading zero', '01'],
    ['beyond 2^31-1', String(MAX_ID + 1)],
    ['absurdly long', '9'.repeat(10_000)],
    ['hex', '0x10'],
    ['an exponent', '1e3'],
    ['with spaces', ' 1'],
    ['SQL injection', '1 OR 1=1'],
    ['unicode digits', '١٢'],
    ['empty', ''],
    ['a repeated query parameter', ['1', '2']],
    ['missing', undefined],
  ])('rejects %s with a 400', (_why, raw) => {
    expect(() => parseId(raw)).toThrow(HttpError);
    try {
      parseId(raw, 'userId');
    } catch (error) {
      expect(error).toMatchObject({ status: 400, code: 'invalid_id', message: `userId must be an integer from 1 to ${MAX_ID}` });
    }
  });
});
