/**
 * The targets, each judged within one run: this machine's speed moves up to 4x from day to day,
 * so every CPU target is a ratio to the untraced services' own CPU in the same run.
 */
import type { PairedResult } from './paired';
import type { Results, Summary, Verdict } from './report';

const f2 = (n: number) => n.toFixed(2);
const f3 = (n: number) => n.toFixed(3);

export function verdicts(results: Omit<Results, 'verdicts'>): Verdict[] {
  const p = results.summary.project;
  const off = results.summary.off;
  if (!p || !off) return [];
  return [
    {
      target: 'saturation throughput >= 0.60 of off',
      measured: `${f2(p.throughputVsOff.median)} (median)`,
      pass: p.throughputVsOff.median >= 0.6,
    },
    {
      target: `added p50 at ${results.rates.lower} req/s <= 1 ms`,
      measured: `${f2(p.lower.addedP50Ms)} ms`,
      pass: p.lower.addedP50Ms <= 1,
    },
    {
      target: `added p99 at ${results.rates.lower} req/s <= 3 ms`,
      measured: `${f2(p.lower.addedP99Ms)} ms`,
      pass: p.lower.addedP99Ms <= 3,
    },
    ...deliveryVerdict(results),
    ...(results.paired ? cpuVerdicts(results.paired) : []),
    rssVerdict(p, off),
    ...(results.timeToVisibleMs
      ? [
          {
            target: 'time to visible p95 <= 2 s',
            measured: `${results.timeToVisibleMs.p95} ms`,
            pass: results.timeToVisibleMs.p95 <= 2_000,
          },
        ]
      : []),
    startupVerdict(p),
    ...(results.productionSizeMb ? [sizeVerdict(results.productionSizeMb)] : []),
  ];
}

function deliveryVerdict(results: Omit<Results, 'verdicts'>): Verdict[] {
  const d = results.delivery;
  if (!d) return [];
  return [
    {
      // Spans are counted from the answered requests. A request that failed may still have made
      // spans, so any failure makes the count inexact: then the verdict is a MISS, and says why.
      target: `every span of every answered request delivered at ${d.ratePerSec} req/s, none dropped by the SDK or the Collector`,
      measured:
        `${d.sentToJaeger} of ${d.expectedSpans} spans (${d.requests} requests) sent to Jaeger, ${d.accepted} accepted by the Collector, ` +
        `${d.collectorFailed} failed in the Collector, ${d.sdkDroppedLines} SDK drop reports, ${d.failedRequests} failed requests`,
      pass:
        d.failedRequests === 0 &&
        d.sdkDroppedLines === 0 &&
        d.collectorFailed === 0 &&
        d.accepted === d.expectedSpans &&
        d.sentToJaeger === d.expectedSpans,
    },
  ];
}

/** The services' added CPU, side by side: the target, and whether the A/A control is narrow enough to judge it. */
function cpuVerdicts({ aa, added }: { aa: PairedResult; added: PairedResult }): Verdict[] {
  const interval = (r: PairedResult) => `${f3(r.ratio.estimate)} (95%: ${f3(r.ratio.low)} to ${f3(r.ratio.high)})`;
  const aaHalfWidth = (aa.ratio.high - aa.ratio.low) / 2;
  return [
    {
      target:
        "the services' added CPU per request, side by side, <= 0.25 of the untraced services' own, its 95% interval's upper end <= 0.30",
      measured: `${interval(added)}; the pipeline ${added.pipelineUsPerARequest} µs per traced request; A/A ${interval(aa)}`,
      pass: added.ratio.estimate <= 0.25 && added.ratio.high <= 0.3,
    },
    {
      target: "the A/A control's 95% interval no wider than ±5% of the services' added CPU",
      measured: `±${f3(aaHalfWidth)} against ${f3(added.ratio.estimate * 0.05)}`,
      pass: aaHalfWidth <= added.ratio.estimate * 0.05,
    },
  ];
}

function rssVerdict(p: Summary, off: Summary): Verdict {
  const over = Object.entries(p.rssLoadMb).map(([svc, mb]) => ({ svc, mb: mb - (off.rssLoadMb[svc] ?? 0) }));
  const largest = over.sort((a, b) => b.mb - a.mb)[0] ?? { svc: 'none', mb: Number.NaN };
  return {
    target: 'RSS overhead under load <= 25 MB per service',
    measured: `${largest.mb} MB (largest: ${largest.svc})`,
    pass: largest.mb <= 25,
  };
}

function startupVerdict(p: Summary): Verdict {
  const slowest = Math.max(...Object.values(p.startupMs));
  return { target: 'startup to ready <= 1 s with tracing', measured: `${slowest} ms (slowest)`, pass: slowest <= 1_000 };
}

function sizeVerdict(sizes: Record<string, number>): Verdict {
  const largest = Math.max(...Object.values(sizes));
  return { target: 'production dependencies <= 40 MB per service', measured: `${largest} MB (largest)`, pass: largest <= 40 };
}
