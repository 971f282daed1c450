import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLoop } from '@demo/load';
import { REPO_ROOT, SERVICE_NAMES, type Stack } from '@demo/stack';
import autocannon from 'autocannon';

export const PATH = '/api/users/1';
const MB = 1024 * 1024;

export interface LoadResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Latency percentiles (percentile -> ms), for the distribution chart. */
  distribution: Record<string, number>;
  non2xx: number;
  errors: number;
  ok: number;
  /** What failed, in a few words each (see failureSamples). */
  errorSamples: string[];
}

const CHART_PERCENTILES = [1, 2.5, 10, 25, 50, 75, 90, 97.5, 99, 99.9];

/** autocannon against the frontend, closed-loop: as fast as `connections` allow. */
export async function saturate(stack: Stack, durationS: number, connections: number, path = PATH): Promise<LoadResult> {
  const result = await autocannon({ url: `${stack.frontendUrl}${path}`, connections, duration: durationS });
  const latency = result.latency as unknown as Record<string, number>;
  const distribution = Object.fromEntries(
    CHART_PERCENTILES.map((p) => [String(p), latency[`p${String(p).replace('.', '_')}`] ?? Number.NaN]),
  );
  return {
    rps: result.requests.average,
    p50Ms: latency.p50 ?? Number.NaN,
    p99Ms: latency.p99 ?? Number.NaN,
    distribution,
    non2xx: result.non2xx,
    errors: result.errors,
    ok: result['2xx'],
    errorSamples: result.errors > 0 ? [`load generator: ${result.errors} errors, ${result.timeouts} of them timeouts`] : [],
  };
}

/** A fixed offered rate against the frontend, open-loop (@demo/load's open-loop.ts). */
export async function atRate(stack: Stack, ratePerSec: number, durationS: number, path = PATH): Promise<LoadResult> {
  const result = await openLoop(`${stack.frontendUrl}${path}`, ratePerSec, durationS);
  const at = (p: number) => round2(percentileOf(result.latenciesMs, p));
  return {
    rps: result.latenciesMs.length / durationS,
    p50Ms: at(50),
    p99Ms: at(99),
    distribution: Object.fromEntries(CHART_PERCENTILES.map((p) => [String(p), at(p)])),
    non2xx: result.non2xx,
    errors: result.errors,
    ok: result.ok,
    errorSamples: result.errorSamples,
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * A few words on what failed, for a result with failed requests: the load generator's errors,
 * then the services' own "request failed" log lines (status, code and cause).
 */
export function failureSamples(stack: Stack, loads: LoadResult[], max = 8): string[] {
  const fromServices = SERVICE_NAMES.flatMap((name) =>
    stack
      .process(name)
      .fullLogs()
      .split('\n')
      .filter((line) => line.includes('"msg":"request failed"'))
      .map((line) => `${name}: ${line}`),
  );
  return [...loads.flatMap((load) => load.errorSamples), ...fromServices].slice(0, max);
}

/** Each service's (or each named process's) resident memory in MB. */
export function rssMb(stack: Stack, names: readonly string[] = SERVICE_NAMES): Record<string, number> {
  return Object.fromEntries(names.map((name) => [name, Math.round((stack.process(name).rssBytes() ?? 0) / MB)]));
}

/** Runs `during` while sampling each service's (or named process's) RSS; returns the peak per process. */
export async function peakRssDuring<T>(
  stack: Stack,
  during: Promise<T>,
  names: readonly string[] = SERVICE_NAMES,
): Promise<{ result: T; peakMb: Record<string, number> }> {
  const peakMb: Record<string, number> = {};
  const sample = () => {
    for (const [name, mb] of Object.entries(rssMb(stack, names))) peakMb[name] = Math.max(peakMb[name] ?? 0, mb);
  };
  const timer = setInterval(sample, 200);
  try {
    return { result: await during, peakMb };
  } finally {
    clearInterval(timer);
    sample();
  }
}

/** Milliseconds from spawning each service to its /readyz answering 200, one after the other. */
export async function startupMs(stack: Stack): Promise<Record<string, number>> {
  const times: Record<string, number> = {};
  for (const name of SERVICE_NAMES) {
    const started = performance.now();
    await stack.start(name);
    times[name] = Math.round(performance.now() - started);
  }
  return times;
}

/** The size on disk of each service's `pnpm deploy --prod` output: what its image holds. */
export function productionSizeMb(): Record<string, number> {
  const parent = mkdtempSync(join(tmpdir(), 'bench-deploy-'));
  try {
    return Object.fromEntries(
      SERVICE_NAMES.map((name) => {
        const out = join(parent, name);
        execFileSync('pnpm', ['--config.inject-workspace-packages=true', '--filter', name, 'deploy', '--prod', out], {
          cwd: REPO_ROOT,
          stdio: 'pipe',
        });
        const bytes = Number(execFileSync('du', ['-sb', out], { encoding: 'utf8' }).split('\t')[0]);
        return [name, Math.round((bytes / MB) * 10) / 10];
      }),
    );
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
}

/** The Collector's own counters: spans accepted from the services and sent on to Jaeger. */
export async function collectorSpanCounts(stack: Stack): Promise<{ accepted: number; sentToJaeger: number; failed: number }> {
  const text = await (await fetch(stack.collectorMetricsUrl)).text();
  const read = (pattern: RegExp) => [...text.matchAll(pattern)].reduce((sum, m) => sum + Number(m[1]), 0);
  return {
    accepted: read(/^otelcol_receiver_accepted_spans\{[^}]*\} (\d+)/gm),
    sentToJaeger: read(/^otelcol_exporter_sent_spans\{exporter="otlp_grpc\/jaeger"[^}]*\} (\d+)/gm),
    failed: read(/^otelcol_(?:receiver_refused|exporter_send_failed|exporter_enqueue_failed)_spans\{[^}]*\} (\d+)/gm),
  };
}

/** From a response to its trace being complete in Jaeger, for `samples` sequential requests. */
export async function timeToVisibleMs(stack: Stack, samples: number, spansPerTrace: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const response = await fetch(`${stack.frontendUrl}/api/users/${(i % 50) + 1}`);
    await response.arrayBuffer();
    const traceId = response.headers.get('traceresponse')?.split('-')[1];
    const answered = performance.now();
    for (;;) {
      const body = (await (await fetch(`${stack.jaegerUrl}/api/traces/${traceId}`)).json().catch(() => ({}))) as {
        data?: { spans: unknown[] }[];
      };
      if ((body.data?.[0]?.spans.length ?? 0) >= spansPerTrace) break;
      if (performance.now() - answered > 30_000) throw new Error(`trace ${traceId} incomplete after 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    times.push(Math.round(performance.now() - answered));
  }
  return times;
}

export function median(values: number[]): number {
  return percentileOf(values, 50);
}

export function percentileOf(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}
