/** Reads traces back from Jaeger's HTTP API, as the Jaeger UI does. */
import { getTrace, type StoredSpan } from '@demo/trace';

export { getTrace, type StoredSpan };

/**
 * Polls Jaeger until the trace holds at least `spanCount` spans, then reads it once more after
 * `settleMs`, so that a span arriving late (one too many) would show up too.
 */
export async function waitForTrace(
  jaegerUrl: string,
  traceId: string,
  spanCount: number,
  { timeoutMs = 10_000, settleMs = 1_000 } = {},
): Promise<{ spans: StoredSpan[]; visibleAfterMs: number }> {
  const started = Date.now();
  let spans: StoredSpan[] = [];
  while (Date.now() - started < timeoutMs) {
    spans = await getTrace(jaegerUrl, traceId);
    if (spans.length >= spanCount) {
      const visibleAfterMs = Date.now() - started;
      await new Promise((resolve) => setTimeout(resolve, settleMs));
      return { spans: await getTrace(jaegerUrl, traceId), visibleAfterMs };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`trace ${traceId}: ${spans.length} of ${spanCount} spans in Jaeger after ${timeoutMs} ms: ${describe(spans)}`);
}

export function describe(spans: StoredSpan[]): string {
  return spans.map((s) => `${s.service}/${s.kind}/${s.name}`).join(', ') || '(none)';
}

/** The operations (span names) Jaeger holds for `service`, as its search page lists them. */
export async function operationsOf(jaegerUrl: string, service: string): Promise<string[]> {
  const response = await fetch(`${jaegerUrl}/api/services/${encodeURIComponent(service)}/operations`);
  return ((await response.json()) as { data: string[] | null }).data ?? [];
}
