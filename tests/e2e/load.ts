/** A bounded load generator and a span counter, for the fault tests. Loopback only. */
import { traceIdOf } from './contract-matcher';
import { getTrace } from './jaeger';

export interface Outcome {
  status: number;
  traceId?: string;
  latencyMs: number;
  startedAtMs: number;
  error?: string;
}

/**
 * Sends GET requests at a fixed rate for a fixed time (never more than `maxInFlight` at once).
 * `path(i)` names the i-th request's path. Network errors are outcomes with status 0.
 */
export async function runLoad(
  baseUrl: string,
  options: { ratePerSec: number; durationMs: number; path: (i: number) => string; maxInFlight?: number },
) {
  const { ratePerSec, durationMs, path, maxInFlight = 200 } = options;
  const started = performance.now();
  const total = Math.floor((ratePerSec * durationMs) / 1000);
  const outcomes: Promise<Outcome>[] = [];
  let inFlight = 0;
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / ratePerSec;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    while (inFlight >= maxInFlight) await sleep(1);
    inFlight++;
    outcomes.push(
      send(`${baseUrl}${path(i)}`, started).finally(() => {
        inFlight--;
      }),
    );
  }
  return Promise.all(outcomes);
}

async function send(url: string, origin: number): Promise<Outcome> {
  const startedAtMs = performance.now() - origin;
  const t0 = performance.now();
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    await response.arrayBuffer();
    const header = response.headers.get('traceresponse');
    return { status: response.status, traceId: header ? traceIdOf(header) : undefined, latencyMs: performance.now() - t0, startedAtMs };
  } catch (error) {
    return { status: 0, latencyMs: performance.now() - t0, startedAtMs, error: String(error) };
  }
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * Polls Jaeger until every trace holds `spansPerTrace` spans or the deadline passes, and
 * returns spans expected and found (never more than expected per trace are counted).
 */
export async function countDelivered(jaegerUrl: string, traceIds: string[], spansPerTrace: number, timeoutMs = 30_000) {
  const found = new Map<string, number>(traceIds.map((id) => [id, 0]));
  const deadline = Date.now() + timeoutMs;
  let pending = [...traceIds];
  while (pending.length > 0 && Date.now() < deadline) {
    for (let i = 0; i < pending.length; i += 16) {
      await Promise.all(
        pending.slice(i, i + 16).map(async (id) => {
          found.set(id, (await getTrace(jaegerUrl, id)).length);
        }),
      );
    }
    pending = pending.filter((id) => (found.get(id) ?? 0) < spansPerTrace);
    if (pending.length > 0) await sleep(500);
  }
  const counted = [...found.values()].reduce((sum, n) => sum + Math.min(n, spansPerTrace), 0);
  return { expected: traceIds.length * spansPerTrace, found: counted, incompleteTraces: pending.length };
}

/** How many lines of a process's output contain `text`. */
export function countLines(logs: string, text: string): number {
  return logs.split('\n').filter((line) => line.includes(text)).length;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One line of figures per scenario, for the closing notes and the README's tables. */
export function report(name: string, figures: Record<string, unknown>, kind = 'fault report'): void {
  process.stdout.write(`[${kind}] ${name}: ${JSON.stringify(figures)}\n`);
}
