import { DEFAULT_MIX, mixPath } from '../src/traffic-mix';

const paths = Array.from({ length: 200 }, (_, i) => mixPath(i));
const share = (predicate: (path: string) => boolean) => paths.filter(predicate).length / paths.length;

test('the transports take turns', () => {
  expect(share((p) => p.includes('transport=grpc'))).toBe(0.5);
  expect(share((p) => p.includes('transport=http'))).toBe(0.5);
});

test('one request in ten is for an unknown user; one in twenty carries a fault, the two faults in turn', () => {
  expect(share((p) => p.startsWith('/api/users/999999?'))).toBe(1 / DEFAULT_MIX.unknownUserEvery);
  const faults = paths.filter((p) => p.includes('fault=')).map((p) => new URLSearchParams(p.split('?')[1]).get('fault'));
  expect(faults).toHaveLength(200 / DEFAULT_MIX.faultEvery);
  expect(new Set(faults)).toEqual(new Set(DEFAULT_MIX.faults));
});

test('faults reach both transports, and never an unknown user (whose trace would not reach posts-service)', () => {
  const faulty = paths.filter((p) => p.includes('fault='));
  expect(new Set(faulty.map((p) => new URLSearchParams(p.split('?')[1]).get('transport')))).toEqual(new Set(['http', 'grpc']));
  expect(faulty.some((p) => p.startsWith('/api/users/999999?'))).toBe(false);
});

test('known users stay within the seeded ones', () => {
  const ids = paths.filter((p) => !p.startsWith('/api/users/999999?')).map((p) => Number(/\/api\/users\/(\d+)/.exec(p)?.[1]));
  expect(Math.min(...ids)).toBe(1);
  expect(Math.max(...ids)).toBe(DEFAULT_MIX.users);
});
