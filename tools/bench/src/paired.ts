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
 * interval, and a verdict.
 */
import { openLoop } from '@demo/load';
import { PIPELINE_NAMES, SERVICE_NAMES, type Stack, type StackPorts } from '@demo/stack';
import type { BenchConfig } from './configs';
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

export interface PairedBlock {
  /** Requests each side answered 2xx in the block. */
  requests: { a: number; b: number };
  /** Each side's three services' CPU per answered request, µs. */
  servicesUs: { a: number; b: number };
  /** The pipeline's CPU in the block, per request answered by A, µs. */
  pipelineUsPerARequest: number;
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
  servicesUs: { a: number; b: number };
  pipelineUsPerARequest: number;
  failedRequests: number;
}

/** What a stack of each side needs: both sides share one pipeline, so only the services may differ. */
function assertServiceSideOnly(config: BenchConfig): void {
  if (config.collectorEnv || config.jaegerEnv || config.broker) {
    throw new Error(`--pair: "${config.name}" changes the pipeline or adds the broker; side by side, both share one pipeline`);
  }
}

/** The Collector's port for a side's OTLP protocol. */
function collectorEndpoint(config: BenchConfig, pipeline: StackPorts): string {
  const protocol = config.env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'grpc';
  return `http://127.0.0.1:${protocol === 'grpc' ? pipeline.collectorOtlpGrpc : pipeline.collectorOtlpHttp}`;
}

function cpuNs(stack: Stack, names: readonly string[]): number {
  return names.reduce((total, name) => total + (stack.process(name).threadCpuNs() ?? Number.NaN), 0);
}

/**
 * Runs A and B side by side and measures `settings.blocks` blocks. `startStack` starts a
 * configuration's stack as the bench does (its environment over COMMON_ENV, services started), with
 * `extra` on top, so that this file holds only the comparison.
 */
export async function comparePaired(
  a: BenchConfig,
  b: BenchConfig,
  settings: PairedSettings,
  startStack: (config: BenchConfig, extra: { without?: string[]; serviceEnv?: Record<string, string> }) => Promise<Stack>,
  log: (line: string) => void = console.log,
): Promise<PairedResult> {
  for (const config of [a, b]) assertServiceSideOnly(config);
  for (const config of [a, b]) await config.prepare?.();
  const stackA = await startStack(a, {});
  let stackB: Stack | undefined;
  try {
    stackB = await startStack(b, {
      without: [...PIPELINE_NAMES],
      serviceEnv: {
        OTEL_EXPORTER_OTLP_ENDPOINT: collectorEndpoint(b, stackA.ports),
        BROWSER_TRACES_FORWARD_URL: `http://127.0.0.1:${stackA.ports.collectorOtlpHttp}/v1/traces`,
      },
    });
    const sides = { a: stackA, b: stackB };
    const urls = { a: `${stackA.frontendUrl}${a.path ?? PATH}`, b: `${stackB.frontendUrl}${b.path ?? PATH}` };
    const sideOf = (i: number) => (i % 2 === 0 ? 'a' : 'b');
    // JIT and connection pools, on both sides at once.
    await openLoop((i) => urls[sideOf(i)], settings.ratePerSide * 2, settings.warmUpS);

    const pipelineNames = stackA.pipelineNames.filter((name) => stackA.processes.get(name)?.isRunning);
    const read = () => ({ a: cpuNs(sides.a, SERVICE_NAMES), b: cpuNs(sides.b, SERVICE_NAMES), pipeline: cpuNs(stackA, pipelineNames) });
    const answered = { a: 0, b: 0 };
    const blocks: PairedBlock[] = [];
    let before = read();
    let answeredBefore = { ...answered };
    const timer = setInterval(() => {
      const now = read();
      const requests = { a: answered.a - answeredBefore.a, b: answered.b - answeredBefore.b };
      const us = (ns: number, n: number) => ns / 1000 / Math.max(n, 1);
      const block: PairedBlock = {
        requests,
        servicesUs: { a: Math.round(us(now.a - before.a, requests.a)), b: Math.round(us(now.b - before.b, requests.b)) },
        pipelineUsPerARequest: Math.round(us(now.pipeline - before.pipeline, requests.a)),
        ratio: us(now.a - before.a, requests.a) / us(now.b - before.b, requests.b) - 1,
      };
      blocks.push(block);
      log(
        `paired: block ${blocks.length}/${settings.blocks}: A ${block.servicesUs.a} µs, B ${block.servicesUs.b} µs a request (${requests.a}/${requests.b} answered), A over B − 1 = ${block.ratio.toFixed(3)}`,
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
      servicesUs: { a: middle((block) => block.servicesUs.a), b: middle((block) => block.servicesUs.b) },
      pipelineUsPerARequest: middle((block) => block.pipelineUsPerARequest),
      failedRequests: load.non2xx + load.errors,
    };
  } finally {
    await stackB?.stop();
    await stackA.stop();
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
    `${result.failedRequests} failed requests.`
  );
}
