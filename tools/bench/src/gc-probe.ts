/**
 * Preloaded (--require) into every service of a side-by-side run: the main thread's garbage
 * collection pauses, from perf_hooks' gc entries, by kind. Every 250 ms it writes their running
 * totals to $BENCH_GC_DIR/<pid> as JSON, which paired.ts reads at each block's edge. Both sides
 * run it, so what it costs is the same on each.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants, type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';

export interface GcTotals {
  /** Milliseconds paused, by kind. */
  minorMs: number;
  majorMs: number;
  /** Incremental marking steps and weak callbacks. */
  otherMs: number;
  collections: number;
}

const dir = process.env.BENCH_GC_DIR;
if (dir) {
  const totals: GcTotals = { minorMs: 0, majorMs: 0, otherMs: 0, collections: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) totals.minorMs += entry.duration;
      else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) totals.majorMs += entry.duration;
      else totals.otherMs += entry.duration;
      totals.collections++;
    }
  }).observe({ entryTypes: ['gc'] });
  const file = join(dir, String(process.pid));
  // Written aside and renamed, so that a reader never finds the file half written.
  setInterval(() => {
    writeFileSync(`${file}.new`, JSON.stringify(totals));
    renameSync(`${file}.new`, file);
  }, 250).unref();
}
