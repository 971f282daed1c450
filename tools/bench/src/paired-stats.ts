/**
 * The statistics of a paired comparison: one ratio per block of time, their median, a bootstrap
 * 95% interval, and a verdict in the manner of Chromium's Pinpoint: same, different, or not enough
 * data yet.
 */
import { seededRandom } from '@demo/service-kit';
import { median } from './measure';

export interface Interval {
  /** The median of the blocks' values. */
  estimate: number;
  /** The 2.5th and 97.5th percentiles of the median over bootstrap resamples of the blocks. */
  low: number;
  high: number;
}

export type Verdict = 'same' | 'different' | 'not enough data';

/** The median of `values`, with a percentile-bootstrap 95% interval over `resamples` resamples. */
export function bootstrapMedian(values: readonly number[], resamples = 10_000, seed = 1): Interval {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return { estimate: Number.NaN, low: Number.NaN, high: Number.NaN };
  const random = seededRandom(seed);
  const medians = Array.from({ length: resamples }, () =>
    median(Array.from(finite, () => finite[Math.floor(random() * finite.length)] as number)),
  ).sort((a, b) => a - b);
  const at = (q: number) => medians[Math.min(medians.length - 1, Math.floor(q * medians.length))] as number;
  return { estimate: median(finite), low: at(0.025), high: at(0.975) };
}

/**
 * Same when the whole interval lies within ±margin of no difference, different when it lies wholly
 * outside, and not enough data when it straddles the margin: more blocks would tell.
 */
export function verdictOf(interval: Interval, margin: number): Verdict {
  if (!Number.isFinite(interval.low) || !Number.isFinite(interval.high)) return 'not enough data';
  if (interval.low > margin || interval.high < -margin) return 'different';
  if (interval.low >= -margin && interval.high <= margin) return 'same';
  return 'not enough data';
}
