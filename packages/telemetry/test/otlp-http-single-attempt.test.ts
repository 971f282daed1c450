import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExportResultCode } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, InstrumentType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { singleAttemptMetricExporter, singleAttemptSpanExporter } from '../src/otlp-http-single-attempt';
import { exportNow } from './exporter-harness';

/** A real HTTP server standing in for the Collector's OTLP/HTTP receiver: it records each request and answers as told. */
interface Received {
  path: string;
  contentType: string | undefined;
  userAgent: string | undefined;
  bytes: number;
}
let server: Server;
let received: Received[];
let answer: (response: ServerResponse) => void;

beforeEach(async () => {
  received = [];
  answer = (response) => response.writeHead(200).end();
  server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        path: request.url ?? '',
        contentType: request.headers['content-type'],
        userAgent: request.headers['user-agent'],
        bytes: Buffer.concat(chunks).length,
      });
      answer(response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  delete process.env.OTEL_EXPORTER_OTLP_TIMEOUT;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Real spans, ended, as the batch processor would hand them over. */
function realSpans(count: number): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const tracer = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] }).getTracer('test');
  for (let i = 0; i < count; i++) tracer.startSpan(`span ${i}`).end();
  return memory.getFinishedSpans();
}

test('posts the spans as OTLP protobuf to /v1/traces, with the user agent it was given', async () => {
  const exporter = singleAttemptSpanExporter({ userAgent: 'spans/2' });
  expect(await exportNow(exporter, realSpans(3))).toEqual({ code: ExportResultCode.SUCCESS });
  expect(received).toEqual([
    {
      path: '/v1/traces',
      contentType: 'application/x-protobuf',
      userAgent: expect.stringMatching(/^spans\/2 /),
      bytes: expect.any(Number),
    },
  ]);
  expect(received[0]?.bytes).toBeGreaterThan(3 * 'span 0'.length);
  await exporter.shutdown();
});

test.each([503, 429, 400])('a %i is a failure after one attempt: the retry belongs to the wrapper', async (status) => {
  answer = (response) => response.writeHead(status).end('busy');
  const exporter = singleAttemptSpanExporter();
  const result = await exportNow(exporter, realSpans(1));
  expect(result.code).toBe(ExportResultCode.FAILED);
  // The stock transport would have tried five more times, a second or more apart.
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  expect(received).toHaveLength(1);
  await exporter.shutdown();
});

test('nothing listening is a failure at once', async () => {
  const exporter = singleAttemptSpanExporter();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  const started = Date.now();
  const result = await exportNow(exporter, realSpans(1));
  expect(result).toEqual({ code: ExportResultCode.FAILED, error: expect.objectContaining({ code: 'ECONNREFUSED' }) });
  expect(Date.now() - started).toBeLessThan(1_000);
  server.listen(0, '127.0.0.1');
  await exporter.shutdown();
});

test('no answer within OTEL_EXPORTER_OTLP_TIMEOUT is a failure, and the request is dropped', async () => {
  process.env.OTEL_EXPORTER_OTLP_TIMEOUT = '300';
  answer = () => undefined;
  const exporter = singleAttemptSpanExporter();
  const result = await exportNow(exporter, realSpans(1));
  expect(result.code).toBe(ExportResultCode.FAILED);
  expect(result.error?.message).toMatch(/300 ms/);
  await exporter.shutdown();
});

test('the metric exporter: one attempt to /v1/metrics, and the temporality OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE asks for', async () => {
  process.env.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE = 'delta';
  answer = (response) => response.writeHead(503).end();
  const exporter = singleAttemptMetricExporter();
  delete process.env.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE;
  expect(exporter.selectAggregationTemporality(InstrumentType.COUNTER)).toBe(AggregationTemporality.DELTA);
  const metrics: ResourceMetrics = { resource: resourceFromAttributes({ 'service.name': 'test' }), scopeMetrics: [] };
  expect((await exportNow(exporter, metrics)).code).toBe(ExportResultCode.FAILED);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  expect(received.map((request) => request.path)).toEqual(['/v1/metrics']);
  await exporter.shutdown();
});
