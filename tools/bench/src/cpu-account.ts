/**
 * The cost account: each process's CPU time (user + system, all threads, from /proc) over one
 * phase of load, divided by the requests answered and the spans the Collector accepted in it.
 */
import { SERVICE_NAMES, type Stack } from '@demo/stack';
import { collectorSpanCounts } from './measure';

export interface CpuAccount {
  /** Requests answered 2xx in the phase. */
  requests: number;
  /** Spans the first Collector accepted in the phase (0 with tracing off). */
  spans: number;
  seconds: number;
  /** Each process's CPU microseconds per answered request. */
  usPerRequest: Record<string, number>;
  /** The three services together, per request. */
  servicesUsPerRequest: number;
  /** The pipeline's processes together (Collectors, Jaeger, VictoriaLogs, Prometheus), per request. */
  pipelineUsPerRequest: number;
}

/** The broker's process name in the stack: its own row in usPerRequest, neither a service nor the pipeline. */
const BROKER = 'rabbitmq';

/** A process of the tracing pipeline (Collectors, Jaeger, VictoriaLogs, Prometheus): not a service, not the message broker. */
export function isPipelineProcess(name: string): boolean {
  return !(SERVICE_NAMES as readonly string[]).includes(name) && name !== BROKER;
}

/** After the load stops: one batch delay and a Collector batch more, so that the phase's own spans are exported and accounted. */
const EXPORT_SETTLE_MS = 1_500;

/** Runs `load` and accounts every running process's CPU over it (and over the export that follows it). */
export async function accountCpu<T extends { ok: number }>(
  stack: Stack,
  load: () => Promise<T>,
): Promise<{ result: T; account: CpuAccount }> {
  const names = runningProcesses(stack);
  const cpuBefore = cpuSnapshot(stack, names);
  const spansBefore = (await collectorSpanCounts(stack)).accepted;
  const started = performance.now();
  const result = await load();
  await new Promise((resolve) => setTimeout(resolve, EXPORT_SETTLE_MS));
  const cpuAfter = cpuSnapshot(stack, names);
  const spans = (await collectorSpanCounts(stack)).accepted - spansBefore;
  const requests = result.ok;
  const usPerRequest = Object.fromEntries(
    names.map((name) => [name, Math.round((((cpuAfter[name] ?? 0) - (cpuBefore[name] ?? 0)) * 1e6) / Math.max(requests, 1))]),
  );
  const sum = (list: readonly string[]) => list.reduce((total, name) => total + (usPerRequest[name] ?? 0), 0);
  return {
    result,
    account: {
      requests,
      spans,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      usPerRequest,
      servicesUsPerRequest: sum(SERVICE_NAMES),
      pipelineUsPerRequest: sum(names.filter(isPipelineProcess)),
    },
  };
}

/** A pipeline process's CPU per 1000 spans a second: percent of one core. Spans are those the phase's first Collector accepted. */
export function percentOfCorePer1000SpansPerSec(account: CpuAccount, name: string): number {
  const spansPerRequest = account.spans / Math.max(account.requests, 1);
  if (spansPerRequest === 0) return Number.NaN;
  // µs of CPU per span x 1000 spans/s = µs of CPU per second x 1000; / 1e6 µs per core-second, in percent.
  const usPerSpan = (account.usPerRequest[name] ?? Number.NaN) / spansPerRequest;
  return Math.round(((usPerSpan * 1000) / 1e6) * 100 * 10) / 10;
}

function runningProcesses(stack: Stack): string[] {
  return [...stack.processes.entries()].filter(([, child]) => child.isRunning).map(([name]) => name);
}

function cpuSnapshot(stack: Stack, names: readonly string[]): Record<string, number> {
  return Object.fromEntries(names.map((name) => [name, stack.process(name).cpuSeconds() ?? Number.NaN]));
}
