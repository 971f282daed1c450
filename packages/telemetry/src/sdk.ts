import { DiagConsoleLogger, DiagLogLevel, diag, type TextMapPropagator } from '@opentelemetry/api';
import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { EXPORT_BATCH_SPANS, type TelemetryConfig, UNTRACED_PATHS } from './config';
import { RetryingSpanExporter } from './retrying-exporter';

export function startTelemetry(config: TelemetryConfig): NodeSDK {
  if (!process.env.OTEL_LOG_LEVEL) {
    // Without a logger the SDK's own failures (e.g. the Collector unreachable) are silent.
    diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN);
  }
  // getNodeAutoInstrumentations reads this variable itself; an unset one would mean "all".
  process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS = config.enabledInstrumentations.join(',');

  const sdk = new NodeSDK({
    // OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME are merged over these defaults.
    resource: defaultResource().merge(resourceFromAttributes(config.resourceDefaults)),
    // OTLP/gRPC behind a batch span processor; both read their OTEL_EXPORTER_OTLP_* / OTEL_BSP_* settings.
    // The retrying wrapper keeps spans through a Collector outage instead of dropping them.
    traceExporter: new RetryingSpanExporter(new OTLPTraceExporter(), {
      maxBufferedSpans: config.exportBufferSpans,
      maxBatchSize: EXPORT_BATCH_SPANS,
      initialBackoffMs: 250,
      maxBackoffMs: 2_000,
      endpoint: config.exportEndpoint,
    }),
    textMapPropagator: buildPropagator(config.propagators),
    instrumentations: [
      getNodeAutoInstrumentations({
        '@opentelemetry/instrumentation-http': {
          ignoreIncomingRequestHook: (request) => isUntraced(request.url),
        },
        '@opentelemetry/instrumentation-express': {
          ignoreLayersType: config.expressLayerSpans
            ? []
            : [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER, ExpressLayerType.REQUEST_HANDLER],
        },
      }),
    ],
    // Traces only, for now: an empty list keeps the SDK from starting its default OTLP exporters.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  return sdk;
}

function isUntraced(url: string | undefined): boolean {
  const path = (url ?? '').split('?', 1)[0];
  return (UNTRACED_PATHS as readonly string[]).includes(path ?? '');
}

function buildPropagator(names: string[]): TextMapPropagator | null {
  const known: Record<string, () => TextMapPropagator> = {
    tracecontext: () => new W3CTraceContextPropagator(),
    baggage: () => new W3CBaggagePropagator(),
  };
  const propagators: TextMapPropagator[] = [];
  for (const name of names) {
    if (name === 'none') return null;
    const create = known[name];
    if (create) propagators.push(create());
    else diag.warn(`OTEL_PROPAGATORS: "${name}" is not supported by this bootstrap (tracecontext, baggage, none)`);
  }
  return new CompositePropagator({ propagators });
}
