/**
 * The page's OpenTelemetry setup: the browser counterpart of @demo/telemetry/register.
 *
 * Spans leave through the frontend itself (BROWSER_TRACES_PATH, same origin), which forwards them
 * to the Collector: nothing public reaches the Collector, and no CORS rule is needed.
 */
import { context, propagation, type Tracer, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { DocumentLoadInstrumentation } from '@opentelemetry/instrumentation-document-load';
import { FetchInstrumentation } from '@opentelemetry/instrumentation-fetch';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, StackContextManager, TracerProvider } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { BROWSER_SERVICE_NAME, BROWSER_TRACES_PATH } from '../src/browser-telemetry';

export function startBrowserTracing(): Tracer {
  const tracesUrl = new URL(BROWSER_TRACES_PATH, location.href).href;
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: BROWSER_SERVICE_NAME }),
    spanProcessors: [
      // The batch processor also flushes when the page is hidden or closed (visibilitychange and
      // pagehide), so the spans of the last click are not lost with the tab.
      new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: tracesUrl }), scheduledDelayMillis: 1000 }),
    ],
  });
  trace.setGlobalTracerProvider(provider);
  // No zone.js: the page starts each fetch synchronously inside its span's callback, which is all
  // the stack context manager needs to parent the fetch span.
  context.setGlobalContextManager(new StackContextManager().enable());
  // traceparent only: the frontend drops incoming baggage anyway.
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new DocumentLoadInstrumentation(),
      // Same-origin fetches carry traceparent by default; the exporter's own posts are not traced.
      new FetchInstrumentation({ ignoreUrls: [tracesUrl], ignoreNetworkEvents: true }),
    ],
  });
  return trace.getTracer(BROWSER_SERVICE_NAME);
}
