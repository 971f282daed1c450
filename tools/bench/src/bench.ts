/**
 * pnpm bench [--smoke] [--out DIR] [--config NAME ...] [--rounds N] [--rounds-only] [--keep-profiles DIR]:
 * what tracing costs, on the
 * no-Docker topology with the real Collector, Jaeger, VictoriaLogs and Prometheus.
 *
 * pnpm bench --pair A --pair B [--blocks N] [--block-s S] [--pair-rate R] [--margin M] [--out DIR]:
 * A against B side by side, at once, on one pipeline (paired.ts): A over B − 1 with its 95%
 * interval and a verdict. `--pair project --pair project` is the A/A control.
 *
 * 1. Calibration: the untraced services' saturation throughput; the two fixed rates are fractions of it.
 * 2. Rounds: every configuration once per round, interleaved. Each: startup, the lower rate (with
 *    each process's CPU accounted from /proc), the higher rate, then saturation.
 * 3. Attribution: CPU profiles of the services, untraced and traced, at the lower rate, folded by owner.
 * 4. Delivery at the higher rate, time to visible, and the two-tier pipeline's cost per tier.
 * Writes results.json, results.md and latency.svg, and prints a verdict line per target.
 * --smoke runs a short version, to check that the benchmark works.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type PipelineShape, REPO_ROOT, SERVICE_NAMES, Stack, type StackOptions } from '@demo/stack';
import { foldByFunction, foldByOwner, isOpenTelemetryOwner, monotonicUs, readProfile, UNATTRIBUTED } from './attribution';

const TOP_FUNCTIONS = 12;

import { type BenchConfig, COMMON_ENV, selectConfig, selectConfigs } from './configs';
import { accountCpu, percentOfCorePer1000SpansPerSec } from './cpu-account';
import {
  atRate,
  collectorSpanCounts,
  failureSamples,
  peakRssDuring,
  percentileOf,
  productionSizeMb,
  rssMb,
  saturate,
  startupMs,
  timeToVisibleMs,
} from './measure';
import { comparePaired, type PairedResult, pairedLine } from './paired';
import { type Attribution, latencySvg, markdown, type Rates, type Results, type RoundResult } from './report';
import { summarize } from './summary';
import { verdicts } from './verdicts';

const SPANS_PER_REQUEST = 8;
/**
 * The fixed rates, as fractions of the untraced services' saturation in the same run: the lower
 * one well below what every traced configuration carries (the CPU account and the added-latency
 * targets), the higher one heavy but carried (delivery). Fixed rates of 100 and 300 req/s
 * overloaded the traced services on a slow day (2026-12-02: `off` saturated at 546 req/s, and
 * `project` at 132).
 */
const RATE_FRACTIONS = { lower: 0.15, higher: 0.3 } as const;

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    out: { type: 'string', default: join(REPO_ROOT, 'docs/benchmark') },
    config: { type: 'string', multiple: true, default: [] },
    rounds: { type: 'string' },
    // Only the rounds: no attribution, delivery, gateway tier or image sizes (for quick A/B runs of a lever).
    'rounds-only': { type: 'boolean', default: false },
    // Keeps the attribution's .cpuprofile files here (open them in Chrome DevTools' Performance panel).
    'keep-profiles': { type: 'string' },
    // Side by side (paired.ts): two configurations, the blocks, the rate to each side, the margin of "same".
    pair: { type: 'string', multiple: true, default: [] },
    blocks: { type: 'string', default: '16' },
    'block-s': { type: 'string', default: '10' },
    'pair-rate': { type: 'string', default: '40' },
    margin: { type: 'string', default: '0.02' },
  },
});
const settings = args.smoke
  ? { rounds: 1, calibrationS: 2, saturationS: 2, phaseS: 3, connections: 20, deliveryS: 3, visibleSamples: 10 }
  : // 20 s at the lower rate: about 2000-4000 requests, so a round's p99 rests on 20-40 of them.
    { rounds: 3, calibrationS: 10, saturationS: 10, phaseS: 20, connections: 20, deliveryS: 30, visibleSamples: 50 };
if (args.rounds) settings.rounds = Number(args.rounds);

/** The stack a configuration runs on: its preload and environment over COMMON_ENV, its pipeline variants. */
interface StackExtra {
  pipeline?: PipelineShape;
  /** Start the services with the pipeline (by default the caller starts them, timing their startup). */
  startServices?: boolean;
  cpuProfileDir?: string;
  /** Components not to start: `--pair`'s side B runs no pipeline of its own. */
  without?: string[];
  /** Environment over the configuration's own (B's Collector endpoint, side by side). */
  serviceEnv?: Record<string, string>;
  /** More node options for every service (side by side: the GC probe). */
  nodeArgs?: string[];
}

function stackOptions(config: BenchConfig, extra: StackExtra): StackOptions {
  return {
    ports: 'free',
    pipeline: extra.pipeline ?? 'one-tier',
    preload: config.preload,
    serviceEnv: { ...COMMON_ENV, ...config.env, ...extra.serviceEnv },
    collectorEnv: config.collectorEnv,
    jaegerEnv: config.jaegerEnv,
    startFor: config.startFor,
    broker: config.broker,
    cpuProfileDir: extra.cpuProfileDir,
    nodeArgs: extra.nodeArgs,
    without: extra.without ?? (extra.startServices ? [] : [...SERVICE_NAMES]),
  };
}

async function withStack<T>(config: BenchConfig, work: (stack: Stack) => Promise<T>, extra: StackExtra = {}): Promise<T> {
  const options = stackOptions(config, extra);
  const stack = await Stack.start(options);
  try {
    return await work(stack);
  } finally {
    await stack.stop();
  }
}

/** JIT, connection pools: 2 s of closed-loop load, then 2 s for V8 to settle. */
async function warmUp(stack: Stack, path?: string): Promise<void> {
  await saturate(stack, 2, 5, path);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
}

/** The untraced services' saturation throughput, and the fixed rates derived from it. */
async function calibrate(off: BenchConfig): Promise<Rates> {
  const measuredRps = await withStack(
    off,
    async (stack) => {
      await warmUp(stack);
      return (await saturate(stack, settings.calibrationS, settings.connections)).rps;
    },
    { startServices: true },
  );
  // Derived from the rounded figure the report prints, so that anyone can recompute them from it.
  const offSaturationRps = Math.round(measuredRps);
  const rate = (fraction: number) => Math.max(1, Math.round(offSaturationRps * fraction));
  return { offSaturationRps, lower: rate(RATE_FRACTIONS.lower), higher: rate(RATE_FRACTIONS.higher) };
}

async function round(config: BenchConfig, rates: Rates): Promise<RoundResult> {
  return withStack(config, async (stack) => {
    const startup = await startupMs(stack);
    await warmUp(stack, config.path);
    const rssIdleMb = rssMb(stack);
    // The fixed rates first: for a few seconds after saturation V8 is still shrinking its heaps.
    const { result: lower, account: cpu } = await accountCpu(stack, () => atRate(stack, rates.lower, settings.phaseS, config.path));
    const higher = await atRate(stack, rates.higher, settings.phaseS, config.path);
    const { result: saturation, peakMb } = await peakRssDuring(
      stack,
      saturate(stack, settings.saturationS, settings.connections, config.path),
    );
    const loads = [saturation, lower, higher];
    const failed = (load: (typeof loads)[number]) => load.non2xx + load.errors;
    const failedRequests = loads.reduce((n, load) => n + failed(load), 0);
    return {
      saturationRps: saturation.rps,
      lower: { p50Ms: lower.p50Ms, p99Ms: lower.p99Ms, distribution: lower.distribution },
      higher: { p50Ms: higher.p50Ms, p99Ms: higher.p99Ms },
      cpu,
      rssIdleMb,
      rssLoadMb: peakMb,
      startupMs: startup,
      failedRequests,
      failedByLoad: { saturation: failed(saturation), lower: failed(lower), higher: failed(higher) },
      failureSamples: failedRequests > 0 ? failureSamples(stack, loads) : [],
    };
  });
}

/**
 * Each service's CPU at the lower rate, from /proc, shared out by owner as its CPU profile's
 * samples are: microseconds per request, summed over the three services.
 */
async function profileByOwner(
  config: BenchConfig,
  rate: number,
): Promise<{ usPerRequestByOwner: Record<string, number>; usPerRequestByFunction: Record<string, number>; measuredUs: number }> {
  const dir = args['keep-profiles'] ? join(args['keep-profiles'], config.name) : mkdtempSync(join(tmpdir(), 'bench-profiles-'));
  try {
    const { fromUs, toUs, account } = await withStack(
      config,
      async (stack) => {
        await warmUp(stack, config.path);
        const fromUs = monotonicUs();
        const { account } = await accountCpu(stack, () => atRate(stack, rate, settings.phaseS, config.path));
        return { fromUs, toUs: monotonicUs(), account };
      },
      { startServices: true, cpuProfileDir: dir },
    );
    const usPerRequestByOwner: Record<string, number> = {};
    const usPerRequestByFunction: Record<string, number> = {};
    const addShares = (into: Record<string, number>, shares: Record<string, number>, cpuUs: number) => {
      for (const [key, share] of Object.entries(shares)) into[key] = (into[key] ?? 0) + share * cpuUs;
    };
    for (const name of SERVICE_NAMES) {
      const profile = readProfile(join(dir, name));
      const cpuUs = account.usPerRequest[name] ?? Number.NaN;
      addShares(usPerRequestByOwner, foldByOwner(profile, fromUs, toUs), cpuUs);
      addShares(usPerRequestByFunction, foldByFunction(profile, fromUs, toUs), cpuUs);
    }
    return { usPerRequestByOwner, usPerRequestByFunction, measuredUs: account.servicesUsPerRequest };
  } finally {
    if (!args['keep-profiles']) rmSync(dir, { recursive: true, force: true });
  }
}

/** Where the traced services' added CPU goes: `project` against `off`, owner by owner. */
async function attribution(off: BenchConfig, project: BenchConfig, rate: number): Promise<Attribution> {
  const untraced = await profileByOwner(off, rate);
  const traced = await profileByOwner(project, rate);
  const owners = [...new Set([...Object.keys(untraced.usPerRequestByOwner), ...Object.keys(traced.usPerRequestByOwner)])];
  const rows = owners
    .map((owner) => {
      const offUs = Math.round(untraced.usPerRequestByOwner[owner] ?? 0);
      const projectUs = Math.round(traced.usPerRequestByOwner[owner] ?? 0);
      return { owner, offUs, projectUs, addedUs: projectUs - offUs };
    })
    .sort((a, b) => b.addedUs - a.addedUs);
  const sum = (pick: (row: (typeof rows)[number]) => number) => rows.reduce((total, row) => total + pick(row), 0);
  return {
    ratePerSec: rate,
    measured: { offUs: untraced.measuredUs, projectUs: traced.measuredUs, addedUs: traced.measuredUs - untraced.measuredUs },
    attributed: sum((r) => (UNATTRIBUTED.includes(r.owner) ? 0 : r.addedUs)),
    rows,
    // Inside OpenTelemetry's packages, the functions that cost most (traced services only: off runs none of them).
    topOpenTelemetryFunctions: Object.entries(traced.usPerRequestByFunction)
      .filter(([key]) => isOpenTelemetryOwner(key))
      .sort(([, a], [, b]) => b - a)
      .slice(0, TOP_FUNCTIONS)
      .map(([fn, us]) => ({ fn, us: Math.round(us) })),
  };
}

async function delivery(config: BenchConfig, rate: number) {
  return withStack(
    config,
    async (stack) => {
      await warmUp(stack);
      const before = await settledCounts(stack, 0);
      const result = await atRate(stack, rate, settings.deliveryS);
      const answered = result.ok;
      const expectedSpans = answered * SPANS_PER_REQUEST;
      const after = await settledCounts(stack, before.accepted + expectedSpans);
      const counts = {
        accepted: after.accepted - before.accepted,
        sentToJaeger: after.sentToJaeger - before.sentToJaeger,
        failed: after.failed - before.failed,
      };
      const visible = await timeToVisibleMs(stack, settings.visibleSamples, SPANS_PER_REQUEST);
      return {
        delivery: {
          ratePerSec: rate,
          requests: answered,
          failedRequests: result.non2xx + result.errors,
          expectedSpans,
          accepted: counts.accepted,
          sentToJaeger: counts.sentToJaeger,
          collectorFailed: counts.failed,
          sdkDroppedLines: sdkDropReports(stack),
        },
        timeToVisibleMs: { p50: percentileOf(visible, 50), p95: percentileOf(visible, 95), samples: visible.length },
      };
    },
    { startServices: true },
  );
}

/** The Collector's counts once it has passed on all it accepted, nothing more is arriving, and it has accepted at least `atLeast` (or 30 s passed). */
async function settledCounts(stack: Stack, atLeast: number) {
  let counts = await collectorSpanCounts(stack);
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const next = await collectorSpanCounts(stack);
    const settled = next.accepted === counts.accepted && next.sentToJaeger === next.accepted;
    counts = next;
    if (settled && counts.accepted >= atLeast) break;
  }
  return counts;
}

/** The batch processor warns "Dropped N spans" when its queue overflows; the retrying exporter reports its own drops. Only non-zero counts matter. */
function sdkDropReports(stack: Stack): number {
  const pattern = /Dropped [1-9]\d* spans|[1-9]\d* spans dropped meanwhile|[1-9]\d* dropped earlier/g;
  return SERVICE_NAMES.reduce((n, name) => n + (stack.process(name).fullLogs().match(pattern) ?? []).length, 0);
}

/** What the gateway tier is measured at: spans a second through the two-tier pipeline. */
const GATEWAY_SPANS_PER_SEC = 1_000;

/** The two-tier pipeline's cost per tier, per 1000 spans/s, and the gateways' memory, while the services send 1000 spans/s through it. */
async function gatewayCost(config: BenchConfig): Promise<Results['gatewayTier']> {
  return withStack(
    config,
    async (stack) => {
      const names = stack.gatewayNames;
      const load = () => peakRssDuring(stack, atRate(stack, GATEWAY_SPANS_PER_SEC / SPANS_PER_REQUEST, settings.phaseS), names);
      const { result, account } = await accountCpu(stack, async () => {
        const { result, peakMb } = await load();
        return { ok: result.ok, failed: result.non2xx + result.errors, peakMb };
      });
      const per1000 = (name: string) => percentOfCorePer1000SpansPerSec(account, name);
      return {
        gateways: names.length,
        spansPerSec: Math.round(account.spans / account.seconds),
        failedRequests: result.failed,
        cpuPercentOfCorePer1000SpansPerSec: {
          agent: per1000('otel-collector'),
          gateways: Math.round(names.reduce((sum, name) => sum + per1000(name), 0) * 10) / 10,
          jaeger: per1000('jaeger'),
        },
        peakRssMb: result.peakMb,
      };
    },
    { pipeline: 'two-tier', startServices: true },
  );
}

/** A and B side by side (paired.ts), with this run's settings. */
function pair(a: BenchConfig, b: BenchConfig): Promise<PairedResult> {
  const pairedSettings = args.smoke
    ? { ratePerSide: 20, blocks: 3, blockS: 3, margin: Number(args.margin), warmUpS: 3 }
    : {
        ratePerSide: Number(args['pair-rate']),
        blocks: Number(args.blocks),
        blockS: Number(args['block-s']),
        margin: Number(args.margin),
        warmUpS: 10,
      };
  const startStack = (config: BenchConfig, extra: StackExtra) => Stack.start(stackOptions(config, { startServices: true, ...extra }));
  return comparePaired(a, b, pairedSettings, startStack);
}

/** `--pair A --pair B`: the two side by side; prints the paired line, and writes paired.json when --out is given. */
async function mainPaired(): Promise<void> {
  const [a, b] = args.pair.map((name) => selectConfig(name));
  if (!a || !b || args.pair.length !== 2) throw new Error('--pair: name exactly two configurations, A then B (--pair project --pair off)');
  const result = await pair(a, b);
  if (process.argv.includes('--out')) {
    mkdirSync(args.out, { recursive: true });
    writeFileSync(join(args.out, 'paired.json'), `${JSON.stringify(result, null, 2)}\n`);
  }
  console.log(pairedLine(result));
}

async function main(): Promise<void> {
  if (args.pair.length > 0) return mainPaired();
  const configs = selectConfigs(args.config);
  for (const config of configs) await config.prepare?.();
  const off = configs.find((c) => c.name === 'off') as BenchConfig;
  console.log('calibration: off at saturation');
  const rates = await calibrate(off);
  console.log(
    `fixed rates: ${rates.lower} and ${rates.higher} req/s (${RATE_FRACTIONS.lower} and ${RATE_FRACTIONS.higher} of off's ${rates.offSaturationRps})`,
  );
  const rounds = Object.fromEntries(configs.map((c) => [c.name, [] as RoundResult[]]));
  for (let r = 1; r <= settings.rounds; r++) {
    for (const config of configs) {
      console.log(`round ${r}/${settings.rounds}: ${config.name}`);
      rounds[config.name]?.push(await round(config, rates));
    }
  }
  const project = selectConfigs(['off', 'project'])[1] as BenchConfig;
  const extras = args['rounds-only'] ? {} : await extraPhases(off, project, rates);
  const partial = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version },
    settings: { smoke: args.smoke, ...settings, rateFractions: RATE_FRACTIONS, ...COMMON_ENV },
    rates,
    configs: Object.fromEntries(configs.map((c) => [c.name, { description: c.description, rounds: rounds[c.name] ?? [] }])),
    summary: summarize(rounds),
    ...extras,
  };
  const results: Results = { ...partial, verdicts: verdicts(partial) };
  mkdirSync(args.out, { recursive: true });
  writeFileSync(join(args.out, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(args.out, 'results.md'), markdown(results));
  writeFileSync(join(args.out, 'latency.svg'), latencySvg(results));
  console.log(`\n${markdown(results)}\nwritten to ${args.out}`);
}

async function extraPhases(off: BenchConfig, project: BenchConfig, rates: Rates): Promise<Partial<Results>> {
  // What tracing adds to the services' CPU: side by side, the A/A control first.
  console.log('side by side: project against project (the A/A control), then project against off');
  const paired = { aa: await pair(project, project), added: await pair(project, off) };
  for (const result of [paired.aa, paired.added]) console.log(pairedLine(result));
  console.log(`attribution: CPU profiles of off and project at ${rates.lower} req/s`);
  const attributionResult = await attribution(off, project, rates.lower);
  console.log(`delivery and time to visible: project at ${rates.higher} req/s`);
  const { delivery: deliveryResult, timeToVisibleMs } = await delivery(project, rates.higher);
  console.log('the two-tier pipeline: project');
  const gatewayTier = await gatewayCost(project);
  return {
    paired,
    attribution: attributionResult,
    delivery: deliveryResult,
    timeToVisibleMs,
    gatewayTier,
    productionSizeMb: productionSizeMb(),
  };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
