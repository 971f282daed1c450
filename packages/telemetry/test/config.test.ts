import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isUntracedUrl, readTelemetryConfig } from '../src/config';

const emptyDir = mkdtempSync(join(tmpdir(), 'telemetry-config-'));
afterAll(() => rmSync(emptyDir, { recursive: true, force: true }));

describe('readTelemetryConfig', () => {
  test('defaults: enabled, http, express, grpc, pino, undici and amqplib only, no gRPC metadata recorded, W3C propagators, no layer spans, HTTP histograms, OTLP metrics and logs', () => {
    expect(readTelemetryConfig({}, emptyDir)).toEqual({
      disabled: false,
      resourceDefaults: {
        'service.version': '0.0.0',
        'deployment.environment.name': 'development',
      },
      enabledInstrumentations: ['http', 'express', 'grpc', 'pino', 'undici', 'amqplib'],
      untracedPaths: ['/healthz', '/readyz'],
      grpcServerRequestMetadata: [],
      expressLayerSpans: false,
      httpMetrics: true,
      propagators: ['tracecontext', 'baggage'],
      exportEndpoint: 'http://localhost:4318',
      exportBufferSpans: 10_000,
      tracesExporter: 'otlp',
      metricsExporter: 'otlp',
      logsExporter: 'otlp',
      metricExportIntervalMs: 60_000,
      otlpProtocols: { traces: 'http/protobuf', metrics: 'http/protobuf', logs: 'http/protobuf' },
      warnings: [],
      resourceDetectors: ['env', 'host', 'serviceinstance'],
    });
  });

  test('OTEL_EXPORTER_OTLP_PROTOCOL sets every signal; a per-signal variable wins for its signal', () => {
    const config = readTelemetryConfig(
      { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'http/protobuf' },
      emptyDir,
    );
    expect(config.otlpProtocols).toEqual({ traces: 'grpc', metrics: 'grpc', logs: 'http/protobuf' });
    expect(config.warnings).toEqual([]);
    // Without an endpoint, the OTLP/gRPC default: port 4317.
    expect(config.exportEndpoint).toBe('http://localhost:4317');
  });

  test('an OTLP protocol this bootstrap does not bundle is a warning that names the supported ones, and the default is used', () => {
    const config = readTelemetryConfig({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' }, emptyDir);
    expect(config.otlpProtocols.traces).toBe('http/protobuf');
    expect(config.warnings).toEqual([
      'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL="http/json" is not supported by this bootstrap (it has: grpc, http/protobuf); using http/protobuf',
    ]);
  });

  test('OTEL_NODE_RESOURCE_DETECTORS, when set, is left to the SDK; unset, the bootstrap leaves out process.* and os.*', () => {
    expect(readTelemetryConfig({ OTEL_NODE_RESOURCE_DETECTORS: 'all' }, emptyDir).resourceDetectors).toBeUndefined();
    expect(readTelemetryConfig({}, emptyDir).resourceDetectors).toEqual(['env', 'host', 'serviceinstance']);
  });

  test.each([
    ['none', 'none'],
    ['otlp', 'otlp'],
    [' OTLP ', 'otlp'],
    ['console', 'none'],
    ['otlp,none', 'none'],
  ] as const)('OTEL_TRACES_EXPORTER / OTEL_METRICS_EXPORTER / OTEL_LOGS_EXPORTER=%j -> %s', (value, expected) => {
    const env = { OTEL_TRACES_EXPORTER: value, OTEL_METRICS_EXPORTER: value, OTEL_LOGS_EXPORTER: value };
    expect(readTelemetryConfig(env, emptyDir)).toMatchObject({
      tracesExporter: expected,
      metricsExporter: expected,
      logsExporter: expected,
    });
  });

  test('OTEL_METRIC_EXPORT_INTERVAL sets the export interval; a bad value keeps the default', () => {
    expect(readTelemetryConfig({ OTEL_METRIC_EXPORT_INTERVAL: '5000' }, emptyDir).metricExportIntervalMs).toBe(5000);
    expect(readTelemetryConfig({ OTEL_METRIC_EXPORT_INTERVAL: '-1' }, emptyDir).metricExportIntervalMs).toBe(60_000);
  });

  test('the export buffer and endpoint follow their variables; a bad size falls back to the default', () => {
    expect(
      readTelemetryConfig({ TELEMETRY_EXPORT_BUFFER_SPANS: '2000', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317' }, emptyDir),
    ).toMatchObject({
      exportBufferSpans: 2000,
      exportEndpoint: 'http://c:4317',
    });
    expect(readTelemetryConfig({ TELEMETRY_EXPORT_BUFFER_SPANS: '-3' }, emptyDir).exportBufferSpans).toBe(10_000);
    expect(readTelemetryConfig({ TELEMETRY_EXPORT_BUFFER_SPANS: '1' }, emptyDir).exportBufferSpans).toBe(512);
  });

  test('service.version comes from the package.json of the folder the service starts in', () => {
    const dir = join(emptyDir, 'service');
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'svc', version: '4.5.6' }));
    expect(readTelemetryConfig({}, dir).resourceDefaults['service.version']).toBe('4.5.6');
  });

  test.each([
    ['true', true],
    ['TRUE', true],
    [' true ', true],
    ['false', false],
    ['1', false],
    ['', false],
  ])('OTEL_SDK_DISABLED=%j -> disabled %s (only "true" counts, per the spec)', (value, disabled) => {
    expect(readTelemetryConfig({ OTEL_SDK_DISABLED: value }, emptyDir).disabled).toBe(disabled);
  });

  test('TELEMETRY_HTTP_METRICS=false turns the HTTP duration histograms off', () => {
    expect(readTelemetryConfig({ TELEMETRY_HTTP_METRICS: 'false' }, emptyDir).httpMetrics).toBe(false);
    expect(readTelemetryConfig({ TELEMETRY_HTTP_METRICS: 'no' }, emptyDir).httpMetrics).toBe(true);
  });

  test('the standard variables override the defaults', () => {
    const config = readTelemetryConfig(
      {
        OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http, express,pg',
        OTEL_PROPAGATORS: 'tracecontext',
        TRACE_EXPRESS_LAYERS: 'true',
      },
      emptyDir,
    );
    expect(config).toMatchObject({
      enabledInstrumentations: ['http', 'express', 'pg'],
      propagators: ['tracecontext'],
      expressLayerSpans: true,
    });
  });

  test('OTEL_NODE_DISABLED_INSTRUMENTATIONS takes names off the enabled list', () => {
    expect(readTelemetryConfig({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'express' }, emptyDir).enabledInstrumentations).toEqual([
      'http',
      'grpc',
      'pino',
      'undici',
      'amqplib',
    ]);
    expect(
      readTelemetryConfig(
        { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,express', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'http, express' },
        emptyDir,
      ).enabledInstrumentations,
    ).toEqual([]);
  });

  test('an empty list variable falls back to the default instead of meaning "none"', () => {
    expect(readTelemetryConfig({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: ' , ' }, emptyDir).enabledInstrumentations).toEqual([
      'http',
      'express',
      'grpc',
      'pino',
      'undici',
      'amqplib',
    ]);
  });

  test('OTEL_INSTRUMENTATION_GRPC_CAPTURE_METADATA_SERVER_REQUEST: a list of keys, lower-cased as gRPC metadata keys are', () => {
    const config = readTelemetryConfig({ OTEL_INSTRUMENTATION_GRPC_CAPTURE_METADATA_SERVER_REQUEST: ' traceparent, Baggage ,' }, emptyDir);
    expect(config.grpcServerRequestMetadata).toEqual(['traceparent', 'baggage']);
  });
});

describe('untraced paths', () => {
  test('by default only the probes: a root route, like any route of yours, is traced', () => {
    const { untracedPaths } = readTelemetryConfig({}, emptyDir);
    expect(['/healthz', '/readyz?deep=1'].filter((url) => isUntracedUrl(untracedPaths, url))).toEqual(['/healthz', '/readyz?deep=1']);
    expect(['/', '/api/users/1', '/healthzx', undefined].filter((url) => isUntracedUrl(untracedPaths, url))).toEqual([]);
  });

  // The demo's own list, as .env gives it to its services.
  const demo = readTelemetryConfig({ TELEMETRY_UNTRACED_PATHS: '/healthz, /readyz,/,/assets/*,/otlp/v1/traces' }, emptyDir).untracedPaths;

  test.each(['/healthz', '/readyz?x=1', '/', '/assets/app.js', '/otlp/v1/traces'])('TELEMETRY_UNTRACED_PATHS: %s gets no trace', (url) => {
    expect(isUntracedUrl(demo, url)).toBe(true);
  });

  test.each(['/api/users/1', '/users/1', '/posts?userId=1', '/assetsx', '/otlp/v1/traces/x', undefined])(
    'TELEMETRY_UNTRACED_PATHS: %s is traced',
    (url) => {
      expect(isUntracedUrl(demo, url)).toBe(false);
    },
  );
});
