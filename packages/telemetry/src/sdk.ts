import { createNoopMeter, DiagConsoleLogger, DiagLogLevel, diag, type MeterProvider, type TextMapPropagator } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import {
  defaultResource,
  envDetector,
  hostDetector,
  type ResourceDetector,
  resourceFromAttributes,
  serviceInstanceIdDetector,
} from '@opentelemetry/resources';
import { BatchLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { EXPORT_BATCH_SPANS, isUntracedUrl, type ResourceDetectorName, type TelemetryConfig, UNTRACED_GRPC_METHODS } from './config';
import { HttpInstrumentation } from './http-instrumentation';
import { type OtlpExporterOptions, otlpLogExporter, otlpMetricExporter, otlpTraceExporter } from './otlp-exporters';
import { type Exporter, OutageReportingExporter } from './outage-reporting-exporter';
import { ReconnectingExporter } from './reconnecting-exporter';
import { RetryingSpanExporter } from './retrying-exporter';

/** While exports fail, a fresh connection to the Collector this often (ReconnectingExporter says why). */
const FRESH_CONNECTION_EVERY_MS = 5_000;

export interface StartedTelemetry {
  sdk: NodeSDK;
  /** The enabled instrumentations by their OTEL_NODE_ENABLED_INSTRUMENTATIONS names, for the self-check and the ES-module hook. */
  instrumentations: Map<string, Instrumentation>;
}

export function startTelemetry(config: TelemetryConfig): StartedTelemetry {
  const instrumentations = createInstrumentations(config);
  if (!process.env.OTEL_LOG_LEVEL) {
    // Without a logger the SDK's own failures (e.g. the Collector unreachable) are silent.
    diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.WARN);
  }
  const sdk = new NodeSDK({
    // OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME are merged over these defaults.
    resource: defaultResource().merge(resourceFromAttributes(config.resourceDefaults)),
    resourceDetectors: config.resourceDetectors?.map((name) => RESOURCE_DETECTORS[name]),
    // OTLP (HTTP/protobuf, or gRPC: OTEL_EXPORTER_OTLP_PROTOCOL) behind a batch span processor;
    // both read their OTEL_EXPORTER_OTLP_* / OTEL_BSP_* settings. OTEL_TRACES_EXPORTER=none keeps
    // the spans and their context across hops, and exports none of them.
    ...(config.tracesExporter === 'otlp' ? { traceExporter: retryingSpanExporter(config) } : { spanProcessors: [] }),
    textMapPropagator: buildPropagator(config.propagators),
    instrumentations: [...instrumentations.values()],
    // Metrics and logs go the same way over OTLP (OTEL_METRICS_EXPORTER / OTEL_LOGS_EXPORTER=none
    // turns one off). The http instrumentation records the request duration histograms (unless
    // TELEMETRY_HTTP_METRICS=false); the pino instrumentation sends every log line written through pino.
    metricReaders:
      config.metricsExporter === 'otlp'
        ? [
            new PeriodicExportingMetricReader({
              exporter: quietMetricExporter(config),
              exportIntervalMillis: config.metricExportIntervalMs,
            }),
          ]
        : [],
    logRecordProcessors:
      config.logsExporter === 'otlp'
        ? [
            new BatchLogRecordProcessor({
              exporter: new OutageReportingExporter(
                reconnecting('log records', config, (options) => otlpLogExporter(config.otlpProtocols.logs, options)),
                {
                  what: 'log records',
                  unit: 'log records',
                  endpoint: config.exportEndpoint,
                  count: (records) => records.length,
                },
              ),
            }),
          ]
        : [],
  });
  // After the constructor, which sets up diag's logger when OTEL_LOG_LEVEL is given.
  warnAboutUnbundled(config);
  for (const warning of config.warnings) diag.warn(warning);
  sdk.start();
  if (!config.httpMetrics) withoutHttpMetrics(instrumentations);
  return { sdk, instrumentations };
}

/** The OTLP span exporter behind a buffer that keeps spans through a Collector outage instead of dropping them. */
function retryingSpanExporter(config: TelemetryConfig): RetryingSpanExporter {
  return new RetryingSpanExporter(
    reconnecting('spans', config, (options) => otlpTraceExporter(config.otlpProtocols.traces, options)),
    {
      maxBufferedSpans: config.exportBufferSpans,
      maxBatchSize: EXPORT_BATCH_SPANS,
      initialBackoffMs: 250,
      maxBackoffMs: 2_000,
      endpoint: config.exportEndpoint,
    },
  );
}

/** TELEMETRY_HTTP_METRICS=false: the HTTP client and server instrumentations get meters that record nothing. */
const HTTP_METRIC_INSTRUMENTATIONS = ['http', 'undici'];
const NO_METRICS: MeterProvider = { getMeter: () => createNoopMeter() };

function withoutHttpMetrics(instrumentations: Map<string, Instrumentation>): void {
  for (const name of HTTP_METRIC_INSTRUMENTATIONS) instrumentations.get(name)?.setMeterProvider(NO_METRICS);
}

const RESOURCE_DETECTORS: Record<ResourceDetectorName, ResourceDetector> = {
  env: envDetector,
  host: hostDetector,
  serviceinstance: serviceInstanceIdDetector,
};

/**
 * The instrumentations this bootstrap bundles, by their OTEL_NODE_ENABLED_INSTRUMENTATIONS names.
 * Requiring only these, instead of auto-instrumentations-node's forty-odd packages, is what keeps
 * startup, memory and image size down (docs/performance.md).
 */
const BUNDLED_INSTRUMENTATIONS: Record<string, (config: TelemetryConfig) => Instrumentation> = {
  // Our own, on Node's diagnostics channels (http-instrumentation.ts says why).
  http: (config) =>
    new HttpInstrumentation({
      ignoreIncomingRequest: (request) => isUntracedUrl(config.untracedPaths, request.url),
    }),
  express: (config) =>
    new ExpressInstrumentation({
      ignoreLayersType: config.expressLayerSpans
        ? []
        : [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER, ExpressLayerType.REQUEST_HANDLER],
    }),
  // @grpc/grpc-js clients and servers: the context rides in the call's metadata. The OTLP exporters
  // use grpc-js too, but they export with tracing suppressed, so they make no spans of their own.
  grpc: (config) =>
    new GrpcInstrumentation({
      ignoreGrpcMethods: [...UNTRACED_GRPC_METHODS],
      metadataToSpanAttributes: { server: { requestMetadata: config.grpcServerRequestMetadata } },
    }),
  // Stamps trace_id and span_id on every line logged inside a span, and sends lines over OTLP.
  pino: () => new PinoInstrumentation(),
  // Node's built-in fetch: a CLIENT span and traceparent/baggage on every request. It listens on
  // undici's diagnostics channels, so it needs no module hook and works in any module system.
  undici: () => new UndiciInstrumentation(),
  // amqplib (RabbitMQ): a PRODUCER span for each publish and a CONSUMER span for each delivery, the
  // trace context in the message's headers. A delivery continues the producer's trace (the
  // instrumentation's default), as the messaging conventions ask of a message processed alone.
  amqplib: () => new AmqplibInstrumentation(),
};

/** The OTLP metric exporter, reporting a Collector outage once instead of a stack trace per export. */
/** Each signal's exporters, each on a connection of its own, named in its user agent ("spans/2"). */
function reconnecting<T>(
  what: string,
  config: TelemetryConfig,
  create: (options: OtlpExporterOptions) => Exporter<T>,
): ReconnectingExporter<T> {
  const signal = what.split(' ')[0];
  return new ReconnectingExporter((connection) => create({ userAgent: `${signal}/${connection}` }), {
    freshEveryMs: FRESH_CONNECTION_EVERY_MS,
    what,
    endpoint: config.exportEndpoint,
  });
}

function quietMetricExporter(config: TelemetryConfig): PushMetricExporter {
  const otlp = otlpMetricExporter(config.otlpProtocols.metrics);
  const fresh = reconnecting('metrics', config, (options) => otlpMetricExporter(config.otlpProtocols.metrics, options));
  const quiet = new OutageReportingExporter(fresh, { what: 'metrics', unit: 'exports', endpoint: config.exportEndpoint, count: () => 1 });
  // The reader asks the exporter which temporality and aggregation to use: the OTLP exporter's
  // answers (OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE), unchanged. `otlp` only answers
  // them (it never exports, so it never connects); each fresh exporter would answer the same.
  return Object.assign(quiet, {
    selectAggregationTemporality: otlp.selectAggregationTemporality.bind(otlp),
    selectAggregation: otlp.selectAggregation.bind(otlp),
  });
}

function createInstrumentations(config: TelemetryConfig): Map<string, Instrumentation> {
  return new Map(
    config.enabledInstrumentations.flatMap((name) => {
      const create = BUNDLED_INSTRUMENTATIONS[name];
      return create ? [[name, create(config)] as const] : [];
    }),
  );
}

function warnAboutUnbundled(config: TelemetryConfig): void {
  for (const name of config.enabledInstrumentations.filter((n) => !(n in BUNDLED_INSTRUMENTATIONS))) {
    diag.warn(
      `OTEL_NODE_ENABLED_INSTRUMENTATIONS: "${name}" is not bundled in this bootstrap (it has: ${Object.keys(BUNDLED_INSTRUMENTATIONS).join(', ')}). ` +
        `Add @opentelemetry/instrumentation-${name} to packages/telemetry and to BUNDLED_INSTRUMENTATIONS in sdk.ts.`,
    );
  }
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
