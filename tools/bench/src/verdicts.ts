/**
 * The targets, each judged within one run: this machine's speed moves up to 4x from day to day,
 * so every CPU target is a ratio to the untraced services' own CPU in the same run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@demo/stack';
import type { Results, Summary, Verdict } from './report';

/** The run committed before the cuts: the figures the CPU targets are fractions of. */
export const BEFORE_CUTS_RUN = 'docs/benchmark/before-cuts/results.json';

export interface BeforeCuts {
  date: string;
  /** The services' added CPU per request, as a fraction of the untraced services' (median). */
  servicesAddedFraction: number;
  /** The pipeline's CPU per request with traces flowing, as a fraction of the untraced services' (median). */
  pipelineFraction: number;
}

export function readBeforeCuts(path = join(REPO_ROOT, BEFORE_CUTS_RUN)): BeforeCuts | undefined {
  if (!existsSync(path)) return undefined;
  const run = JSON.parse(readFileSync(path, 'utf8')) as Pick<Results, 'date' | 'summary'>;
  const cpu = run.summary.project?.cpu;
  if (!cpu) throw new Error(`${path} has no "project" configuration to compare with`);
  return { date: run.date, servicesAddedFraction: cpu.addedFraction.median, pipelineFraction: cpu.pipelineFraction.median };
}

const f2 = (n: number) => n.toFixed(2);

export function verdicts(results: Omit<Results, 'verdicts'>, before: BeforeCuts | undefined): Verdict[] {
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
    ...cpuVerdicts(p, before),
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

function cpuVerdicts(p: Summary, before: BeforeCuts | undefined): Verdict[] {
  const none = `no run before the cuts to compare with (${BEFORE_CUTS_RUN})`;
  const services = p.cpu.addedFraction.median;
  const pipeline = p.cpu.pipelineFraction.median;
  return [
    {
      target: "the services' added CPU per request <= 1/3 of the run before the cuts (fractions of the untraced services' CPU)",
      measured: before
        ? `${f2(services)} against ${f2(before.servicesAddedFraction)} on ${before.date.slice(0, 10)}: ${f2(services / before.servicesAddedFraction)} of it`
        : none,
      pass: before !== undefined && services <= before.servicesAddedFraction / 3,
    },
    {
      target: "the pipeline's CPU per request <= 1/2 of the run before the cuts (fractions of the untraced services' CPU)",
      measured: before
        ? `${f2(pipeline)} against ${f2(before.pipelineFraction)} on ${before.date.slice(0, 10)}: ${f2(pipeline / before.pipelineFraction)} of it`
        : none,
      pass: before !== undefined && pipeline <= before.pipelineFraction / 2,
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
