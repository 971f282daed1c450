import { badRequest } from './errors';

export const MAX_ID = 2 ** 31 - 1;

/**
 * Parses an id from a path or query parameter: a positive 32-bit integer written in plain
 * digits. Anything else (signs, decimals, hex, leading zeros, spaces, a 10 KB string) is a 400.
 */
export function parseId(raw: unknown, name = 'id'): number {
  const text = typeof raw === 'string' ? raw : '';
  // Ten digits at most, so the number is exact before it is range-checked.
  if (!/^[1-9][0-9]{0,9}$/.test(text) || Number(text) > MAX_ID) {
    throw badRequest('invalid_id', `${name} must be an integer from 1 to ${MAX_ID}`);
  }
  return Number(text);
}
