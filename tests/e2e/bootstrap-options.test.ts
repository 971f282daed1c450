/** The bootstrap's documented switches, on the real topology. */
import { Stack } from '@demo/stack';
import { traceIdOf } from './contract-matcher';
import { waitForTrace } from './jaeger';
import { eventually, promQuery } from './prometheus';
import { TRACE_CONTRACTS } from './trace-contracts';

describe('TRACE_EXPRESS_LAYERS=true', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({ ports: 'free', serviceEnv: { TRACE_EXPRESS_LAYERS: 'true' } });
  });
  afterAll(() => stack?.stop());

  test("adds Express's middleware and handler spans under the same trace", async () => {
    const response = await fetch(`${stack.frontendUrl}/api/users/abc`);
    expect(response.status).toBe(400);
    const minimal = TRACE_CONTRACTS.malformedId.spans.length;
    const { spans } = await waitForTrace(stack.jaegerUrl, traceIdOf(response.headers.get('traceresponse')), minimal + 1);
    const layerSpans = spans.filter((span) => span.attributes['express.type'] !== undefined);
    expect(layerSpans.map((span) => span.attributes['express.type'])).toEqual(expect.arrayContaining(['middleware', 'request_handler']));
    expect(spans.filter((span) => span.kind === 'SERVER').map((span) => span.name)).toEqual(['GET /api/users/:id']);
  });
});

describe.each([
  ['http/protobuf', 'http', 'grpc'],
  ['grpc', 'grpc', 'http'],
] as const)('OTEL_EXPORTER_OTLP_PROTOCOL=%s', (protocol, used, unused) => {
  let stack: Stack;
  beforeAll(async () => {
    // The runner points the services at the Collector's port for the protocol. The HTTP histograms,
    // off in the demo (.env), are on: the exporters' own requests must not be counted in them.
    stack = await Stack.start({ ports: 'free', serviceEnv: { OTEL_EXPORTER_OTLP_PROTOCOL: protocol, TELEMETRY_HTTP_METRICS: 'true' } });
  });
  afterAll(() => stack?.stop());

  test(`spans, log records and metrics reach the Collector over ${used} only, and the trace is whole in Jaeger`, async () => {
    const response = await fetch(`${stack.frontendUrl}/api/users/1`);
    expect(response.status).toBe(200);
    const contract = TRACE_CONTRACTS.userWithPosts;
    const { spans } = await waitForTrace(stack.jaegerUrl, traceIdOf(response.headers.get('traceresponse')), contract.spans.length);
    expect(spans).toHaveLength(contract.spans.length);
    const accepted = await acceptedByTransport(stack, used, 30_000);
    for (const signal of ['spans', 'log_records', 'metric_points']) {
      expect([signal, accepted[signal]?.[used]]).toEqual([signal, expect.any(Number)]);
      expect([signal, accepted[signal]?.[unused] ?? 0]).toEqual([signal, 0]);
    }
  });

  test("TELEMETRY_HTTP_METRICS=true records the HTTP client histograms, without the exporters' own requests", async () => {
    await fetch(`${stack.frontendUrl}/api/users/1`);
    // Only the frontend and users-service call other services over HTTP; posts-service calls nothing.
    const clients = await eventually(
      () => promQuery(stack.prometheusUrl, 'sum by (job) (http_client_request_duration_seconds_count)'),
      (found) => found.length >= 2,
      30_000,
      'the HTTP client duration histograms in Prometheus',
    );
    expect(clients.map((series) => series.metric.job).sort()).toEqual([
      'otel-node-tracing-demo/frontend',
      'otel-node-tracing-demo/users-service',
    ]);
  });
});

/** The Collector's accepted counters by signal and transport, once metric points have arrived over `transport` too (they leave every OTEL_METRIC_EXPORT_INTERVAL). */
async function acceptedByTransport(stack: Stack, transport: string, timeoutMs: number): Promise<Record<string, Record<string, number>>> {
  for (const deadline = Date.now() + timeoutMs; ; ) {
    const text = await (await fetch(stack.collectorMetricsUrl)).text();
    const counts: Record<string, Record<string, number>> = {};
    for (const line of text.split('\n').filter((l) => l.startsWith('otelcol_receiver_accepted_') && l.includes('receiver="otlp"'))) {
      const signal = /^otelcol_receiver_accepted_(\w+?)(_total)?\{/.exec(line)?.[1] ?? '';
      const via = /transport="(\w+)"/.exec(line)?.[1] ?? '';
      const bucket = counts[signal] ?? {};
      bucket[via] = (bucket[via] ?? 0) + Number(line.split(' ').pop());
      counts[signal] = bucket;
    }
    if ((counts.metric_points?.[transport] ?? 0) > 0 || Date.now() > deadline) return counts;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
