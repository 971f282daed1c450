/**
 * The OTLP exporters, by protocol. Each is required only when chosen: a service exporting over
 * HTTP/protobuf never loads grpc-js for it, and one exporting over gRPC never loads the other.
 * Both read their OTEL_EXPORTER_OTLP_* endpoint, headers, timeout and compression settings.
 */
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { OtlpProtocol } from './config';

/** A metric exporter that also says which temporality and aggregation it wants (both OTLP exporters do). */
export type OtlpMetricExporter = PushMetricExporter &
  Required<Pick<PushMetricExporter, 'selectAggregationTemporality' | 'selectAggregation'>>;

export function otlpTraceExporter(protocol: OtlpProtocol): SpanExporter {
  if (protocol === 'grpc') {
    const { OTLPTraceExporter } =
      require('@opentelemetry/exporter-trace-otlp-grpc') as typeof import('@opentelemetry/exporter-trace-otlp-grpc');
    return new OTLPTraceExporter();
  }
  const { OTLPTraceExporter } =
    require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter();
}

export function otlpLogExporter(protocol: OtlpProtocol): LogRecordExporter {
  if (protocol === 'grpc') {
    const { OTLPLogExporter } =
      require('@opentelemetry/exporter-logs-otlp-grpc') as typeof import('@opentelemetry/exporter-logs-otlp-grpc');
    return new OTLPLogExporter();
  }
  const { OTLPLogExporter } =
    require('@opentelemetry/exporter-logs-otlp-proto') as typeof import('@opentelemetry/exporter-logs-otlp-proto');
  return new OTLPLogExporter();
}

export function otlpMetricExporter(protocol: OtlpProtocol): OtlpMetricExporter {
  if (protocol === 'grpc') {
    const { OTLPMetricExporter } =
      require('@opentelemetry/exporter-metrics-otlp-grpc') as typeof import('@opentelemetry/exporter-metrics-otlp-grpc');
    return new OTLPMetricExporter();
  }
  const { OTLPMetricExporter } =
    require('@opentelemetry/exporter-metrics-otlp-proto') as typeof import('@opentelemetry/exporter-metrics-otlp-proto');
  return new OTLPMetricExporter();
}
