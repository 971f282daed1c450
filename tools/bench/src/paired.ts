/**
 * Two configurations side by side: what one costs against the other, to within a few percent on a
 * machine whose speed drifts by more than that between one minute and the next.
 *
 * Both run at once, on one pipeline: A's three services with the Collector, Jaeger, VictoriaLogs
 * and Prometheus, and B's three services on ports of their own, exporting to the same Collector.
 * One open-loop generator sends requests to A and B in turn. Every block of time, each side's CPU
 * is read from every thread of its three services (/proc/<pid>/task/*\/schedstat, in ns) and
 * divided by the requests it answered in the block: each block gives one paired ratio, A over B
 * minus 1, measured under the same machine's mood. The report is their median with a bootstrap 95%
 * interval, and a verdict. Each service also preloads gc-probe.ts, so that every block states the
 * garbage collectors' pauses per request beside the CPU.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLoop } from '@demo/load';
import { PIPELINE_NAMES, REPO_ROOT, readEnvFile, SERVICE_NAMES, type Stack, type StackPorts } from '@demo/stack';
import type { BenchConfig } from './configs';
import type { GcTotals } from './gc-probe';
import { median, PATH } from './measure';
import { bootstrapMedian, type Interval, type Verdict, verdictOf } from './paired-stats';

export interface PairedSettings {
  /** Requests a second to each side. */
  ratePerSide: number;
  blocks: number;
  blockS: number;
  /** Within this (a fraction of B's CPU), the two are the same. */
  margin: number;
  /** Load on both sides before the first block: JIT, connection pools. */
  warmUpS: number;
}

type Side = 'a' | 'b';
/** One figure for each side. */
type Sides<T = number> = Record<Side, T>;

function bySide<T>(figure: (side: Side) => T): Sides<T> {
  return { a: figure('a'), b: figure('b') };
}

export interface PairedBlock {
  /** Requests each side answered 2xx in the block. */
  requests: Sides;
  /** Each side's three services' CPU per answered request, µs. */
  servicesUs: Sides;
  /** The pipeline's CPU in the block, per request answered by A, µs. */
  pipelineUsPerARequest: number;
  /** Each side's three services' main-thread GC pauses per answered request, µs: all, and the major (mark-compact) ones. */
  gcUs: Sides;
  gcMajorUs: Sides;
  /** Each side's three services' resident memory at the block's end, MB. */
  rssMb: Sides;
  /** A over B minus 1. */
  ratio: number;
}

export interface PairedResult {
  date: string;
  a: string;
  b: string;
  settings: PairedSettings;
  blocks: PairedBlock[];
  /** A over B minus 1, over the blocks. */
  ratio: Interval;
  verdict: Verdict;
  /** Medians over the blocks. */
  servicesUs: Sides;
  pipelineUsPerARequest: number;
  gcUs: Sides;
  gcMajorUs: Sides;
  /** The largest of the blocks. */
  peakRssMb: Sides;
  failedRequests: number;
}

/** What a stack of each side needs: both sides share one pipeline, so only the services may differ. */
function assertServiceSideOnly(config: BenchConfig): void {
  if (config.collectorEnv || config.jaegerEnv || config.broker) {
    throw new Error(`--pair: "${config.name}" changes the pipeline or adds the broker; side by side, both share one pipeline`);
  }
}

/** The Collector's port for a side's OTLP protocol: its own, or the services' default in .env. */
function collectorEndpoint(config: BenchConfig, pipeline: StackPorts): string {
  const protocol = config.env.OTEL_EXPORTER_OTLP_PROTOCOL ?? readEnvFile(join(REPO_ROOT, '.env')).OTEL_EXPORTER_OTLP_PROTOCOL;
  return `http://127.0.0.1:${protocol === 'grpc' ? pipeline.collectorOtlpGrpc : pipeline.collectorOtlpHttp}`;
}

function cpuNs(stack: Stack, names: readonly string[]): number {
  return names.reduce((total, name) => total + (stack.process(name).threadCpuNs() ?? Number.NaN), 0);
}

/** A side's three services' GC totals so far, as their probes last wrote them. */
function gcTotals(stack: Stack, dir: string): GcTotals {
  const sum: GcTotals = { minorMs: 0, majorMs: 0, otherMs: 0, collections: 0 };
  for (const name of SERVICE_NAMES) {
    const written = JSON.parse(readFileSync(join(dir, String(stack.process(name).pid)), 'utf8')) as GcTotals;
    for (const key of Object.keys(sum) as (keyof GcTotals)[]) sum[key] += written[key];
  }
  return sum;
}

function rssMb(stack: Stack): number {
  return Math.round(SERVICE_NAMES.reduce((total, name) => total + (stack.process(name).rssBytes() ?? Number.NaN), 0) / 2 ** 20);
}

const allGcMs = (totals: GcTotals) => totals.minorMs + totals.majorMs + totals.otherMs;

/**
 * Runs A and B side by side and measures `settings.blocks` blocks. `startStack` starts a
 * configuration's stack as the bench does (its environment over COMMON_ENV, services started), with
 * `extra` on top, so that this file holds only the comparison.
 */
export async function comparePaired(
  a: BenchConfig,
  b: BenchConfig,
  settings: PairedSettings,
  startStack: (
    config: BenchConfig,
    extra: { without?: string[]; serviceEnv?: Record<string, string>; nodeArgs?: string[] },
  ) => Promise<Stack>,
  log: (line: string) => void = console.log,
): Promise<PairedResult> {
  for (const config of [a, b]) assertServiceSideOnly(config);
  for (const config of [a, b]) await config.prepare?.();
  const gcDir = mkdtempSync(join(tmpdir(), 'paired-gc-'));
  const gcProbe = { nodeArgs: ['--require', require.resolve('./gc-probe')], serviceEnv: { BENCH_GC_DIR: gcDir } };
  const stackA = await startStack(a, gcProbe);
  let stackB: Stack | undefined;
  try {
    stackB = await startStack(b, {
      without: [...PIPELINE_NAMES],
      nodeArgs: gcProbe.nodeArgs,
      serviceEnv: {
        ...gcProbe.serviceEnv,
        OTEL_EXPORTER_OTLP_ENDPOINT: collectorEndpoint(b, stackA.ports),
        BROWSER_TRACES_FORWARD_URL: `http://127.0.0.1:${stackA.ports.collectorOtlpHttp}/v1/traces`,
      },
    });
    const sides: Sides<Stack> = { a: stackA, b: stackB };
    const urls = { a: `${stackA.frontendUrl}${a.path ?? PATH}`, b: `${stackB.frontendUrl}${b.path ?? PATH}` };
    // Requests alternate A, B, A, B; every other block the order turns to B, A, so that going
    // first (or second) in each pair is nobody's advantage.
    const requestsPerBlock = settings.ratePerSide * 2 * settings.blockS;
    const sideOf = (i: number): Side => ((i + Math.floor(i / requestsPerBlock)) % 2 === 0 ? 'a' : 'b');
    // JIT and connection pools, on both sides at once.
    await openLoop((i) => urls[sideOf(i)], settings.ratePerSide * 2, settings.warmUpS);

    const pipelineNames = stackA.pipelineNames.filter((name) => stackA.processes.get(name)?.isRunning);
    const read = () => ({
      cpuNs: bySide((side) => cpuNs(sides[side], SERVICE_NAMES)),
      pipelineNs: cpuNs(stackA, pipelineNames),
      gc: bySide((side) => gcTotals(sides[side], gcDir)),
    });
    const answered: Sides = { a: 0, b: 0 };
    const blocks: PairedBlock[] = [];
    let before = read();
    let answeredBefore = { ...answered };
    const timer = setInterval(() => {
      const now = read();
      const requests = bySide((side) => answered[side] - answeredBefore[side]);
      const us = (ns: number, n: number) => ns / 1000 / Math.max(n, 1);
      const cpuUs = bySide((side) => us(now.cpuNs[side] - before.cpuNs[side], requests[side]));
      const gcUs = (side: Side, ms: (totals: GcTotals) => number) =>
        Math.round(us((ms(now.gc[side]) - ms(before.gc[side])) * 1e6, requests[side]));
      const block: PairedBlock = {
        requests,
        servicesUs: bySide((side) => Math.round(cpuUs[side])),
        pipelineUsPerARequest: Math.round(us(now.pipelineNs - before.pipelineNs, requests.a)),
        gcUs: bySide((side) => gcUs(side, allGcMs)),
        gcMajorUs: bySide((side) => gcUs(side, (totals) => totals.majorMs)),
        rssMb: bySide((side) => rssMb(sides[side])),
        ratio: cpuUs.a / cpuUs.b - 1,
      };
      blocks.push(block);
      log(
        `paired: block ${blocks.length}/${settings.blocks}: A ${block.servicesUs.a} µs, B ${block.servicesUs.b} µs a request (${requests.a}/${requests.b} answered; GC ${block.gcUs.a}/${block.gcUs.b} µs), A over B − 1 = ${block.ratio.toFixed(3)}`,
      );
      before = now;
      answeredBefore = { ...answered };
    }, settings.blockS * 1000);
    const load = await openLoop((i) => urls[sideOf(i)], settings.ratePerSide * 2, settings.blocks * settings.blockS + 0.5, {
      onResponse: (i, status) => {
        if (status >= 200 && status < 300) answered[sideOf(i)]++;
      },
    });
    clearInterval(timer);
    const measured = blocks.slice(0, settings.blocks);
    const ratio = bootstrapMedian(measured.map((block) => block.ratio));
    const middle = (pick: (block: PairedBlock) => number) => median(measured.map(pick));
    return {
      date: new Date().toISOString(),
      a: a.name,
      b: b.name,
      settings,
      blocks: measured,
      ratio,
      verdict: verdictOf(ratio, settings.margin),
      servicesUs: bySide((side) => middle((block) => block.servicesUs[side])),
      pipelineUsPerARequest: middle((block) => block.pipelineUsPerARequest),
      gcUs: bySide((side) => middle((block) => block.gcUs[side])),
      gcMajorUs: bySide((side) => middle((block) => block.gcMajorUs[side])),
      peakRssMb: bySide((side) => Math.max(...measured.map((block) => block.rssMb[side]))),
      failedRequests: load.non2xx + load.errors,
    };
  } finally {
    await stackB?.stop();
    await stackA.stop();
    rmSync(gcDir, { recursive: true, force: true });
  }
}

/** The one line a comparison ends with: the interval, the verdict, and what each side spent. */
export function pairedLine(result: PairedResult): string {
  const { ratio, settings } = result;
  return (
    `paired (${result.date.slice(0, 10)}): "${result.a}" over "${result.b}" − 1 = ${ratio.estimate.toFixed(3)}, ` +
    `95% interval ${ratio.low.toFixed(3)} to ${ratio.high.toFixed(3)} (${result.blocks.length} blocks of ${settings.blockS} s, ` +
    `${settings.ratePerSide} req/s a side): ${result.verdict.toUpperCase()} (margin ±${settings.margin}). ` +
    `Services per request: A ${result.servicesUs.a} µs, B ${result.servicesUs.b} µs; the pipeline ${result.pipelineUsPerARequest} µs per A request. ` +
    `GC pauses per request: A ${result.gcUs.a} µs (major ${result.gcMajorUs.a}), B ${result.gcUs.b} µs (major ${result.gcMajorUs.b}). ` +
    `Peak resident memory of the three services: A ${result.peakRssMb.a} MB, B ${result.peakRssMb.b} MB. ` +
    `${result.failedRequests} failed requests.`
  );
}
