import { bootstrapMedian, verdictOf } from '../src/paired-stats';

describe('bootstrapMedian', () => {
  test('blocks that all agree give a point: the interval is the value itself', () => {
    expect(bootstrapMedian([0.5, 0.5, 0.5, 0.5])).toEqual({ estimate: 0.5, low: 0.5, high: 0.5 });
  });

  test('the interval holds the median and lies within the blocks, and more blocks narrow it', () => {
    // Two draws of the same spread (0.40 to 0.62, as the side-by-side probe's block ratios ranged), 8 and 32 blocks.
    const spread = (n: number) => Array.from({ length: n }, (_, i) => 0.4 + (0.22 * ((i * 7) % n)) / (n - 1));
    const few = bootstrapMedian(spread(8));
    const many = bootstrapMedian(spread(32));
    for (const interval of [few, many]) {
      expect(interval.low).toBeLessThanOrEqual(interval.estimate);
      expect(interval.high).toBeGreaterThanOrEqual(interval.estimate);
      expect(interval.low).toBeGreaterThanOrEqual(0.4);
      expect(interval.high).toBeLessThanOrEqual(0.62);
    }
    expect(many.high - many.low).toBeLessThan(few.high - few.low);
  });

  test('the same blocks give the same interval (a fixed seed)', () => {
    const blocks = [0.45, 0.52, 0.61, 0.5, 0.48, 0.57, 0.55, 0.49];
    expect(bootstrapMedian(blocks)).toEqual(bootstrapMedian(blocks));
  });

  test('blocks that failed to measure (NaN) are left out, and none at all is no interval', () => {
    expect(bootstrapMedian([0.2, Number.NaN, 0.2])).toEqual({ estimate: 0.2, low: 0.2, high: 0.2 });
    expect(bootstrapMedian([Number.NaN])).toEqual({ estimate: Number.NaN, low: Number.NaN, high: Number.NaN });
  });
});

describe('verdictOf, with a margin of 0.02', () => {
  // The side-by-side probe's intervals (A over B − 1) from the issue that asked for this comparison.
  test.each([
    ['A/A, both traced', { estimate: 0.013, low: 0.006, high: 0.016 }, 'same'],
    ['project against off', { estimate: 0.536, low: 0.496, high: 0.563 }, 'different'],
    ['logs exporter off', { estimate: 0.04, low: 0.036, high: 0.048 }, 'different'],
    ['metrics exporter off', { estimate: 0.01, low: 0.003, high: 0.021 }, 'not enough data'],
    ['B cheaper than A', { estimate: -0.1, low: -0.12, high: -0.08 }, 'different'],
    ['no blocks', { estimate: Number.NaN, low: Number.NaN, high: Number.NaN }, 'not enough data'],
  ] as const)('%s: %o is %s', (_name, interval, verdict) => {
    expect(verdictOf(interval, 0.02)).toBe(verdict);
  });
});
