/** Reads traces back from Jaeger's HTTP API, as the Jaeger UI does. */
import type { SpanKindName } from './trace-contracts';

export interface StoredSpan {
  spanId: string;
  parentSpanId: string | null;
  traceId: string;
  service: string;
  /** The resource attributes of the process that reported the span. */
  resource: Record<string, unknown>;
  name: string;
  kind: SpanKindName | 'PRODUCER' | 'CONSUMER';
  status: 'UNSET' | 'OK' | 'ERROR';
  attributes: Record<string, unknown>;
  events: string[];
  startUs: number;
  endUs: number;
}

interface JaegerTag {
  key: string;
  value: unknown;
}
interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: string; spanID: string }[];
  startTime: number;
  duration: number;
  tags: JaegerTag[];
  logs: { fields: JaegerTag[] }[];
  processID: string;
}
interface JaegerTrace {
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string; tags: JaegerTag[] }>;
}

export async function getTrace(jaegerUrl: string, traceId: string): Promise<StoredSpan[]> {
  const response = await fetch(`${jaegerUrl}/api/traces/${traceId}`);
  if (response.status === 404) return [];
  if (!response.ok) throw new Error(`Jaeger answered ${response.status} for trace ${traceId}`);
  const body = (await response.json()) as { data: JaegerTrace[] };
  return body.data.flatMap(toStoredSpans);
}

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

function toStoredSpans(trace: JaegerTrace): StoredSpan[] {
  return trace.spans.map((span) => {
    const tags = Object.fromEntries(span.tags.map((tag) => [tag.key, tag.value]));
    const parent = span.references.find((ref) => ref.refType === 'CHILD_OF');
    const process = trace.processes[span.processID];
    return {
      spanId: span.spanID,
      parentSpanId: parent?.spanID ?? null,
      traceId: span.traceID,
      service: process?.serviceName ?? 'unknown',
      resource: Object.fromEntries((process?.tags ?? []).map((tag) => [tag.key, tag.value])),
      name: span.operationName,
      kind: String(tags['span.kind'] ?? 'internal').toUpperCase() as StoredSpan['kind'],
      status: (tags['otel.status_code'] as StoredSpan['status'] | undefined) ?? 'UNSET',
      attributes: tags,
      events: span.logs.map((log) => String(log.fields.find((f) => f.key === 'event')?.value ?? '')),
      startUs: span.startTime,
      endUs: span.startTime + span.duration,
    };
  });
}
