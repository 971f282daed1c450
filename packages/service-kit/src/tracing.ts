import { type Attributes, logs, metrics, type Span, SpanKind, type SpanOptions, SpanStatusCode, trace } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';

const tracer = trace.getTracer('@demo/service-kit');

/**
 * Runs `work` inside a new active span named for what it does (`fetch_user_from_db`), so the
 * waterfall shows where a service spends its time. A thrown error is recorded on the span and
 * re-thrown; the span always ends. `options` makes it another kind of span, such as a CONSUMER
 * that starts a trace of its own (`root`) and links to the spans it serves (`links`).
 */
export function withSpan<T>(
  name: string,
  attributes: Attributes,
  work: (span: Span) => T,
  options: Pick<SpanOptions, 'kind' | 'root' | 'links'> = {},
): T {
  return tracer.startActiveSpan(name, { kind: SpanKind.INTERNAL, ...options, attributes }, (span) => {
    try {
      const result = work(span);
      if (result instanceof Promise) {
        return result.then(
          (value) => {
            span.end();
            return value;
          },
          (error: unknown) => {
            failSpan(span, error);
            span.end();
            throw error;
          },
        ) as T;
      }
      span.end();
      return result;
    } catch (error) {
      failSpan(span, error);
      span.end();
      throw error;
    }
  });
}

function failSpan(span: Span, error: unknown): void {
  const err = error instanceof Error ? error : new Error(String(error));
  span.recordException(err);
  // error.type: the error's stable code where it has one (e.g. database_unavailable), else its class.
  const code = (err as { code?: unknown }).code;
  span.setAttribute(ATTR_ERROR_TYPE, typeof code === 'string' ? code : err.name);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
}

/** Sets an attribute on the span of the request being served (the SERVER span). */
export function setRequestAttribute(key: string, value: string | number | boolean): void {
  trace.getActiveSpan()?.setAttribute(key, value);
}

/** `00-<trace-id>-<span-id>-<flags>` for the active span, or undefined when there is none. */
export function activeTraceparent(): { header: string; traceId: string } | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  if (!context || !trace.isSpanContextValid(context)) return undefined;
  const flags = context.traceFlags.toString(16).padStart(2, '0');
  return { header: `00-${context.traceId}-${context.spanId}-${flags}`, traceId: context.traceId };
}

/**
 * Delivers what the SDK still holds (spans, log records, metrics) before the process exits,
 * through the API only, so that app code needs no import of the bootstrap. A no-op when
 * telemetry is off. Shutdown rather than forceFlush: the batch span processor's forceFlush
 * returns at once when its queue is empty, even while its last export is still in flight,
 * and exiting then loses those spans; shutdown waits for the exporter.
 */
export async function shutdownTelemetry(): Promise<void> {
  const tracerProvider = (trace.getTracerProvider() as { getDelegate?: () => unknown }).getDelegate?.();
  const providers = [tracerProvider, logs.getLoggerProvider(), metrics.getMeterProvider()] as { shutdown?: () => Promise<void> }[];
  await Promise.all(providers.map((provider) => provider?.shutdown?.()));
}
