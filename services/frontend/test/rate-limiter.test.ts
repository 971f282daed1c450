import { RateLimiter } from '../src/rate-limiter';

function clock() {
  let nowMs = 0;
  return { now: () => nowMs, advance: (ms: number) => (nowMs += ms) };
}

test('a client gets its burst, then waits for the refill', () => {
  const time = clock();
  const limiter = new RateLimiter(3, 2, 100, time.now);
  expect([1, 2, 3].map(() => limiter.take('a'))).toEqual([0, 0, 0]);
  expect(limiter.take('a')).toBe(1);
  time.advance(500);
  expect(limiter.take('a')).toBe(0);
  expect(limiter.take('a')).toBeGreaterThan(0);
});

test('clients have buckets of their own', () => {
  const limiter = new RateLimiter(1, 1, 100, clock().now);
  expect(limiter.take('a')).toBe(0);
  expect(limiter.take('a')).toBe(1);
  expect(limiter.take('b')).toBe(0);
});

test('a flood of new clients does not grow it past maxClients', () => {
  const limiter = new RateLimiter(1, 1, 50, clock().now);
  for (let i = 0; i < 10_000; i++) limiter.take(`client-${i}`);
  expect(limiter.clientCount).toBeLessThanOrEqual(50);
  expect(limiter.clientCount).toBeGreaterThan(0);
});
