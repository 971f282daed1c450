/**
 * The OTLP/HTTP span, log and metric exporters, making one attempt per export.
 *
 * The stock ones (`@opentelemetry/exporter-*-otlp-proto`) retry a failed export by themselves:
 * otlp-exporter-base's RetryingTransport makes up to 5 attempts within the export timeout. While it
 * does, the batch processor waits, its queue fills and drops spans, and RetryingSpanExporter, which
 * owns the retry here, hears of the outage only when it is too late: the outage suites failed over
 * OTLP/HTTP for that reason. These are the same exporters, built from the same public parts (the
 * configuration from the OTEL_EXPORTER_OTLP_* variables, the protobuf serialiser, the export
 * delegate), with a transport that tries once and says what happened. The wrappers in sdk.ts
 * decide what a failure means: spans are kept and retried, log records and metric exports
 * counted and reported.
 */
import type * as http from 'node:http';
import type { IExporterMetricsHelper, ISerializer } from '@opentelemetry/otlp-transformer';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { OtlpExporterOptions, OtlpMetricExporter } from './otlp-exporters';

type OtlpExporterBase = typeof import('@opentelemetry/otlp-exporter-base');
type OtlpNodeHttp = typeof import('@opentelemetry/otlp-exporter-base/node-http');
type HttpConfiguration = ReturnType<OtlpNodeHttp['convertLegacyHttpOptions']>;
type ExportResponse = import('@opentelemetry/otlp-exporter-base').ExportResponse;

/** The most of a response body read: the Collector answers an export with a few bytes. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export function singleAttemptSpanExporter(options: OtlpExporterOptions = {}): SpanExporter {
  const { ProtobufTraceSerializer, TraceExporterMetricsHelper } = transformer();
  return exporter<ReadableSpan[]>(options, {
    signal: 'TRACES',
    path: 'v1/traces',
    serializer: ProtobufTraceSerializer,
    componentType: 'otlp_http_span_exporter',
    metricsHelper: TraceExporterMetricsHelper,
  });
}

export function singleAttemptLogExporter(options: OtlpExporterOptions = {}): LogRecordExporter {
  const { ProtobufLogsSerializer, LogsExporterMetricsHelper } = transformer();
  return exporter<ReadableLogRecord[]>(options, {
    signal: 'LOGS',
    path: 'v1/logs',
    serializer: ProtobufLogsSerializer,
    componentType: 'otlp_http_log_exporter',
    metricsHelper: LogsExporterMetricsHelper,
  });
}

/** Its temporality and aggregation as the stock exporter chooses them (OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE). */
export function singleAttemptMetricExporter(options: OtlpExporterOptions = {}): OtlpMetricExporter {
  const { ProtobufMetricsSerializer, MetricsExporterMetricsHelper } = transformer();
  const delegate = exportDelegate<ResourceMetrics>(options, {
    signal: 'METRICS',
    path: 'v1/metrics',
    serializer: ProtobufMetricsSerializer,
    componentType: 'otlp_http_metric_exporter',
    metricsHelper: MetricsExporterMetricsHelper,
  });
  const { OTLPMetricExporterBase } =
    require('@opentelemetry/exporter-metrics-otlp-http') as typeof import('@opentelemetry/exporter-metrics-otlp-http');
  return new OTLPMetricExporterBase(delegate);
}

interface SignalParts<Internal> {
  signal: 'TRACES' | 'LOGS' | 'METRICS';
  path: string;
  serializer: ISerializer<Internal, unknown>;
  componentType: string;
  metricsHelper: IExporterMetricsHelper<Internal>;
}

function exporter<Internal>(options: OtlpExporterOptions, parts: SignalParts<Internal>) {
  const base = require('@opentelemetry/otlp-exporter-base') as OtlpExporterBase;
  return new base.OTLPExporterBase<Internal>(exportDelegate(options, parts));
}

function exportDelegate<Internal>(options: OtlpExporterOptions, parts: SignalParts<Internal>) {
  const base = require('@opentelemetry/otlp-exporter-base') as OtlpExporterBase;
  const nodeHttp = require('@opentelemetry/otlp-exporter-base/node-http') as OtlpNodeHttp;
  // The same reading of OTEL_EXPORTER_OTLP_{,TRACES_,LOGS_,METRICS_}{ENDPOINT,HEADERS,TIMEOUT,COMPRESSION} as the stock exporters.
  const configuration = nodeHttp.convertLegacyHttpOptions({ userAgent: options.userAgent }, parts.signal, parts.path, {
    'Content-Type': 'application/x-protobuf',
  });
  const metrics = nodeHttp.createOtlpHttpExporterMetrics(parts.componentType, parts.metricsHelper, configuration.url, undefined);
  return base.createOtlpNetworkExportDelegate(configuration, parts.serializer, metrics, new SingleAttemptTransport(configuration));
}

function transformer(): typeof import('@opentelemetry/otlp-transformer') {
  return require('@opentelemetry/otlp-transformer');
}

/** One POST per export: a 2xx is a success, anything else (a status, an error, the timeout) a failure. */
export class SingleAttemptTransport {
  private agent: http.Agent | undefined;

  constructor(private readonly configuration: HttpConfiguration) {}

  async send(data: Uint8Array, timeoutMillis: number): Promise<ExportResponse> {
    const url = new URL(this.configuration.url);
    // Loaded here, not at the top, so that the http instrumentation has patched the module first:
    // the exporter's own requests are then left out of the HTTP client histogram (sdk.ts).
    const transport: typeof http = require(url.protocol === 'https:' ? 'node:https' : 'node:http');
    // One kept-alive connection reused across exports, as the stock transport's default agent does.
    this.agent ??= new transport.Agent({ keepAlive: true });
    const headers = await this.configuration.headers();
    let body = data;
    if (this.configuration.compression === 'gzip') {
      body = await gzip(data);
      headers['Content-Encoding'] = 'gzip';
    }
    headers['User-Agent'] = [this.configuration.userAgent, 'OTel-OTLP-Exporter-JavaScript'].filter(Boolean).join(' ');
    return post(transport, url, { method: 'POST', headers, agent: this.agent }, body, timeoutMillis);
  }

  shutdown(): void {
    this.agent?.destroy();
  }
}

function post(
  transport: typeof http,
  url: URL,
  options: http.RequestOptions,
  body: Uint8Array,
  timeoutMillis: number,
): Promise<ExportResponse> {
  const { OTLPExporterError } = require('@opentelemetry/otlp-exporter-base') as OtlpExporterBase;
  return new Promise((resolve) => {
    // The whole exchange within the timeout, connecting included: request.setTimeout() starts only
    // once the socket is connected, and a SYN dropped (a node-local Service with no agent yet)
    // would hold the export until the kernel gives up, about two minutes.
    const deadline = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutMillis} ms`)), timeoutMillis);
    const settle = (result: ExportResponse) => {
      clearTimeout(deadline);
      resolve(result);
    };
    const request = transport.request(url, options, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) response.destroy(new Error(`the response exceeded ${MAX_RESPONSE_BYTES} bytes`));
        else chunks.push(chunk);
      });
      response.on('error', (error) => settle({ status: 'failure', error }));
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        const text = Buffer.concat(chunks);
        if (status >= 200 && status < 300) settle({ status: 'success', data: text });
        else settle({ status: 'failure', error: new OTLPExporterError(response.statusMessage, status, text.toString()) });
      });
    });
    request.on('error', (error) => settle({ status: 'failure', error }));
    request.end(body);
  });
}

function gzip(data: Uint8Array): Promise<Uint8Array> {
  const zlib = require('node:zlib') as typeof import('node:zlib');
  return new Promise((resolve, reject) => zlib.gzip(data, (error, result) => (error ? reject(error) : resolve(result))));
}
