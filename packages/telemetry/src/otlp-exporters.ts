/**
 * The OTLP exporters, by protocol. Each is required only when chosen: a service exporting over
 * HTTP/protobuf never loads grpc-js for it, and one exporting over gRPC never loads the other.
 * Both read their OTEL_EXPORTER_OTLP_* endpoint, headers, timeout and compression settings.
 * Over HTTP, every signal goes through exporters that make one attempt per export
 * (otlp-http-single-attempt.ts says why).
 */
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { OtlpProtocol } from './config';
import { singleAttemptLogExporter, singleAttemptMetricExporter, singleAttemptSpanExporter } from './otlp-http-single-attempt';

/**
 * `userAgent` is appended to the exporter's own. Over gRPC it also makes the exporter's connection
 * its own: grpc-js shares one connection between clients whose options are equal, so a fresh
 * exporter with the same options would wait on the same stuck connection (ReconnectingExporter).
 */
export interface OtlpExporterOptions {
  userAgent?: string;
}

/** A metric exporter that also says which temporality and aggregation it wants (both OTLP exporters do). */
export type OtlpMetricExporter = PushMetricExporter &
  Required<Pick<PushMetricExporter, 'selectAggregationTemporality' | 'selectAggregation'>>;

export function otlpTraceExporter(protocol: OtlpProtocol, options: OtlpExporterOptions = {}): SpanExporter {
  if (protocol === 'grpc') {
    const { OTLPTraceExporter } =
      require('@opentelemetry/exporter-trace-otlp-grpc') as typeof import('@opentelemetry/exporter-trace-otlp-grpc');
    return new OTLPTraceExporter(options);
  }
  return singleAttemptSpanExporter(options);
}

export function otlpLogExporter(protocol: OtlpProtocol, options: OtlpExporterOptions = {}): LogRecordExporter {
  if (protocol === 'grpc') {
    const { OTLPLogExporter } =
      require('@opentelemetry/exporter-logs-otlp-grpc') as typeof import('@opentelemetry/exporter-logs-otlp-grpc');
    return new OTLPLogExporter(options);
  }
  return singleAttemptLogExporter(options);
}

export function otlpMetricExporter(protocol: OtlpProtocol, options: OtlpExporterOptions = {}): OtlpMetricExporter {
  if (protocol === 'grpc') {
    const { OTLPMetricExporter } =
      require('@opentelemetry/exporter-metrics-otlp-grpc') as typeof import('@opentelemetry/exporter-metrics-otlp-grpc');
    return new OTLPMetricExporter(options);
  }
  return singleAttemptMetricExporter(options);
}
