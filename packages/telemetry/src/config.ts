/**
 * Turns the environment into the bootstrap's settings. Standard OTEL_* variables keep their
 * standard meaning (the SDK reads most of them itself); this module only decides the defaults
 * that keep a waterfall readable, and the few settings no OTEL_* variable covers. The defaults are
 * a user's, not the demo's: the demo sets its own through its environment (.env).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Instrumentations on when OTEL_NODE_ENABLED_INSTRUMENTATIONS is unset: what the demo uses. */
export const DEFAULT_ENABLED_INSTRUMENTATIONS = ['http', 'express', 'grpc', 'pino', 'undici', 'amqplib'] as const;

/**
 * Requests that never get a trace unless TELEMETRY_UNTRACED_PATHS says otherwise: the probes, which
 * would bury the interesting traces. A path ending in `*` is a prefix. Your own service's choices
 * go in the variable (the demo's frontend adds its page, its bundle and its OTLP proxy there).
 */
export const DEFAULT_UNTRACED_PATHS = ['/healthz', '/readyz'] as const;

/**
 * gRPC methods that never get a trace: the standard health service's (grpc.health.v1.Health),
 * which container probes call every few seconds. The instrumentation matches the method name
 * alone, not its service, so a method of your own named Check or Watch goes untraced as well.
 */
export const UNTRACED_GRPC_METHODS = ['Check', 'Watch'] as const;

/** Is this request URL (path and query) one of the untraced paths? */
export function isUntracedUrl(untracedPaths: readonly string[], url: string | undefined): boolean {
  const path = (url ?? '').split('?', 1)[0] ?? '';
  return untracedPaths.some((untraced) => (untraced.endsWith('*') ? path.startsWith(untraced.slice(0, -1)) : path === untraced));
}

export interface TelemetryConfig {
  /** OTEL_SDK_DISABLED=true: nothing is patched or exported. */
  disabled: boolean;
  /** Defaults for the resource; OTEL_RESOURCE_ATTRIBUTES overrides any of them. */
  resourceDefaults: Record<string, string>;
  /**
   * Short names as OTEL_NODE_ENABLED_INSTRUMENTATIONS takes them (http, express, ...), less any
   * in OTEL_NODE_DISABLED_INSTRUMENTATIONS.
   */
  enabledInstrumentations: string[];
  /**
   * gRPC request metadata keys recorded on SERVER spans as `rpc.request.metadata.<key>`
   * (OTEL_INSTRUMENTATION_GRPC_CAPTURE_METADATA_SERVER_REQUEST, the Java agent's name for it; Node
   * has no standard variable). None by default: metadata can carry secrets.
   */
  grpcServerRequestMetadata: string[];
  /** Incoming request paths that get no trace (TELEMETRY_UNTRACED_PATHS); `*` at the end makes a prefix. */
  untracedPaths: string[];
  /** Express middleware, router and handler spans (off: they crowd the waterfall). */
  expressLayerSpans: boolean;
  /**
   * The http and undici instrumentations' duration histograms (http.server.request.duration,
   * http.client.request.duration). On unless TELEMETRY_HTTP_METRICS=false: where the Collector's
   * span metrics already give every operation's rate, errors and duration, they are a second copy,
   * which cost the demo's services about 2% more CPU side by side (docs/performance.md).
   */
  httpMetrics: boolean;
  /** Propagators by their OTEL_PROPAGATORS names. */
  propagators: string[];
  /** Where spans go, as the OTLP exporter will resolve it (for log lines). */
  exportEndpoint: string;
  /** Spans kept through a Collector outage (TELEMETRY_EXPORT_BUFFER_SPANS). */
  exportBufferSpans: number;
  /** OTEL_TRACES_EXPORTER, OTEL_METRICS_EXPORTER and OTEL_LOGS_EXPORTER: this bootstrap speaks OTLP or nothing. */
  tracesExporter: 'otlp' | 'none';
  metricsExporter: 'otlp' | 'none';
  logsExporter: 'otlp' | 'none';
  /** OTEL_METRIC_EXPORT_INTERVAL, in ms (the spec's default: 60000). */
  metricExportIntervalMs: number;
  /**
   * Each signal's OTLP transport: OTEL_EXPORTER_OTLP_<SIGNAL>_PROTOCOL, else
   * OTEL_EXPORTER_OTLP_PROTOCOL, else DEFAULT_OTLP_PROTOCOL.
   */
  otlpProtocols: Record<Signal, OtlpProtocol>;
  /** Settings this bootstrap could not honour, each a sentence for the diag logger. */
  warnings: string[];
  /** The bootstrap's resource detectors, or undefined when OTEL_NODE_RESOURCE_DETECTORS is set (the SDK reads it). */
  resourceDetectors: readonly ResourceDetectorName[] | undefined;
}

export type Signal = 'traces' | 'metrics' | 'logs';
export const OTLP_PROTOCOLS = ['grpc', 'http/protobuf'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

/**
 * http/protobuf, the specification's default. It costs the services less CPU than gRPC (5% of the
 * traced services' own in a side-by-side run, docs/performance.md). Its spans and log records go
 * through exporters that make one attempt per export (otlp-http-single-attempt.ts), so that the
 * outage handling is this bootstrap's, over either protocol: RetryingSpanExporter keeps the spans,
 * reports the outage once, and recovers. Over grpc, point OTEL_EXPORTER_OTLP_ENDPOINT at the
 * Collector's port 4317.
 */
export const DEFAULT_OTLP_PROTOCOL: OtlpProtocol = 'http/protobuf';

/**
 * The resource detectors when OTEL_NODE_RESOURCE_DETECTORS is unset (the SDK's default adds
 * `process` and `os`). Jaeger's Badger store writes an index entry per resource attribute for
 * every span, and the eleven process.* and os.* attributes cost it a quarter to two fifths of its CPU
 * (docs/performance.md). OTEL_NODE_RESOURCE_DETECTORS=all brings them back.
 */
export const DEFAULT_RESOURCE_DETECTORS = ['env', 'host', 'serviceinstance'] as const;
export type ResourceDetectorName = (typeof DEFAULT_RESOURCE_DETECTORS)[number];

type Env = Record<string, string | undefined>;

export function readTelemetryConfig(env: Env = process.env, cwd = process.cwd()): TelemetryConfig {
  const warnings: string[] = [];
  const otlpProtocols = {
    traces: otlpProtocol(env, 'TRACES', warnings),
    metrics: otlpProtocol(env, 'METRICS', warnings),
    logs: otlpProtocol(env, 'LOGS', warnings),
  };
  return {
    disabled: isTrue(env.OTEL_SDK_DISABLED),
    resourceDefaults: {
      'service.version': readPackageVersion(cwd) ?? '0.0.0',
      'deployment.environment.name': 'development',
    },
    enabledInstrumentations: (parseList(env.OTEL_NODE_ENABLED_INSTRUMENTATIONS) ?? [...DEFAULT_ENABLED_INSTRUMENTATIONS]).filter(
      (name) => !parseList(env.OTEL_NODE_DISABLED_INSTRUMENTATIONS)?.includes(name),
    ),
    untracedPaths: parseList(env.TELEMETRY_UNTRACED_PATHS) ?? [...DEFAULT_UNTRACED_PATHS],
    grpcServerRequestMetadata: parseList(env.OTEL_INSTRUMENTATION_GRPC_CAPTURE_METADATA_SERVER_REQUEST?.toLowerCase()) ?? [],
    expressLayerSpans: isTrue(env.TRACE_EXPRESS_LAYERS),
    httpMetrics: env.TELEMETRY_HTTP_METRICS?.trim().toLowerCase() !== 'false',
    propagators: parseList(env.OTEL_PROPAGATORS) ?? ['tracecontext', 'baggage'],
    exportEndpoint:
      env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ||
      env.OTEL_EXPORTER_OTLP_ENDPOINT ||
      (otlpProtocols.traces === 'grpc' ? 'http://localhost:4317' : 'http://localhost:4318'),
    // Never below one export batch: a smaller buffer would drop spans even with the Collector up.
    exportBufferSpans: Math.max(parsePositiveInt(env.TELEMETRY_EXPORT_BUFFER_SPANS) ?? DEFAULT_EXPORT_BUFFER_SPANS, EXPORT_BATCH_SPANS),
    tracesExporter: parseExporter(env.OTEL_TRACES_EXPORTER),
    metricsExporter: parseExporter(env.OTEL_METRICS_EXPORTER),
    logsExporter: parseExporter(env.OTEL_LOGS_EXPORTER),
    metricExportIntervalMs: parsePositiveInt(env.OTEL_METRIC_EXPORT_INTERVAL) ?? 60_000,
    otlpProtocols,
    warnings,
    resourceDetectors: parseList(env.OTEL_NODE_RESOURCE_DETECTORS) ? undefined : DEFAULT_RESOURCE_DETECTORS,
  };
}

/** One signal's protocol, as the specification resolves it; an unsupported value is warned about and the default used. */
function otlpProtocol(env: Env, signal: 'TRACES' | 'METRICS' | 'LOGS', warnings: string[]): OtlpProtocol {
  for (const name of [`OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`, 'OTEL_EXPORTER_OTLP_PROTOCOL']) {
    const value = env[name]?.trim();
    if (!value) continue;
    if ((OTLP_PROTOCOLS as readonly string[]).includes(value)) return value as OtlpProtocol;
    warnings.push(
      `${name}="${value}" is not supported by this bootstrap (it has: ${OTLP_PROTOCOLS.join(', ')}); using ${DEFAULT_OTLP_PROTOCOL}`,
    );
    return DEFAULT_OTLP_PROTOCOL;
  }
  return DEFAULT_OTLP_PROTOCOL;
}

/**
 * Enough for a 30 s outage at 100 requests/s in the busiest service (3 spans a request), at
 * roughly 1 KB a span: a bounded few MB, not an unbounded queue.
 */
export const DEFAULT_EXPORT_BUFFER_SPANS = 10_000;
/** Spans per export call; also the batch span processor's default OTEL_BSP_MAX_EXPORT_BATCH_SIZE. */
export const EXPORT_BATCH_SPANS = 512;

/** "otlp" (the spec's default) unless the list says none; values other than these two are not supported here. */
function parseExporter(value: string | undefined): 'otlp' | 'none' {
  const names = parseList(value?.toLowerCase()) ?? ['otlp'];
  return names.includes('otlp') && !names.includes('none') ? 'otlp' : 'none';
}

function parsePositiveInt(value: string | undefined): number | undefined {
  const number = Number(value);
  return value && Number.isInteger(number) && number > 0 ? number : undefined;
}

/** The OpenTelemetry spec's boolean: only a case-insensitive "true" is true. */
function isTrue(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'true';
}

function parseList(value: string | undefined): string[] | undefined {
  const items = value
    ?.split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  return items && items.length > 0 ? items : undefined;
}

/** The service's own version, from the package.json of the folder it is started in. */
function readPackageVersion(cwd: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : undefined;
  } catch {
    return undefined;
  }
}
