/** Reads traces from Jaeger's HTTP query API (the one the Jaeger UI uses). */

export type SpanKindName = 'SERVER' | 'CLIENT' | 'INTERNAL' | 'PRODUCER' | 'CONSUMER';

export interface StoredSpan {
  spanId: string;
  parentSpanId: string | null;
  traceId: string;
  service: string;
  /** The resource attributes of the process that reported the span. */
  resource: Record<string, unknown>;
  name: string;
  kind: SpanKindName;
  status: 'UNSET' | 'OK' | 'ERROR';
  attributes: Record<string, unknown>;
  events: string[];
  startUs: number;
  endUs: number;
  /** Its span links: the spans it follows from, in this trace or another (Jaeger's FOLLOWS_FROM references). */
  links: { traceId: string; spanId: string }[];
}

interface JaegerTag {
  key: string;
  value: unknown;
}
interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: string; traceID: string; spanID: string }[];
  startTime: number;
  duration: number;
  tags: JaegerTag[];
  logs: { fields: JaegerTag[] }[];
  processID: string;
}
interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string; tags: JaegerTag[] }>;
}

/** The trace's spans, or [] when Jaeger does not have it (yet). */
export async function getTrace(jaegerUrl: string, traceId: string): Promise<StoredSpan[]> {
  const response = await fetchJaeger(`${jaegerUrl}/api/traces/${encodeURIComponent(traceId)}`);
  if (response.status === 404) return [];
  if (!response.ok) throw new Error(`Jaeger answered ${response.status} for trace ${traceId}`);
  const body = (await response.json()) as { data: JaegerTrace[] };
  return body.data.flatMap(toStoredSpans);
}

/** The id of the trace that started last among `service`'s traces of the past hour, if any. */
export async function lastTraceId(jaegerUrl: string, service: string): Promise<string | undefined> {
  const query = new URLSearchParams({ service, lookback: '1h', limit: '20' });
  const response = await fetchJaeger(`${jaegerUrl}/api/traces?${query}`);
  if (!response.ok) throw new Error(`Jaeger answered ${response.status} when searching traces of ${service}`);
  const body = (await response.json()) as { data: JaegerTrace[] };
  const started = (trace: JaegerTrace) => Math.min(...trace.spans.map((span) => span.startTime));
  return body.data.sort((a, b) => started(b) - started(a))[0]?.traceID;
}

async function fetchJaeger(url: string): Promise<Response> {
  try {
    return await fetch(url, { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new Error(
      `cannot reach Jaeger at ${new URL(url).origin} (${error instanceof Error ? error.message : error}); is the demo running?`,
    );
  }
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
      kind: String(tags['span.kind'] ?? 'internal').toUpperCase() as SpanKindName,
      status: (tags['otel.status_code'] as StoredSpan['status'] | undefined) ?? 'UNSET',
      attributes: tags,
      events: span.logs.map((log) => String(log.fields.find((f) => f.key === 'event')?.value ?? '')),
      startUs: span.startTime,
      endUs: span.startTime + span.duration,
      links: span.references.filter((ref) => ref.refType === 'FOLLOWS_FROM').map((ref) => ({ traceId: ref.traceID, spanId: ref.spanID })),
    };
  });
}
