/**
 * Logs and metrics correlated with the traces, end to end: pino lines stamped with the trace id
 * in every service's output; the HTTP histograms, the domain metric and the
 * span-derived RED metrics in Prometheus; Jaeger's Monitor tab reading them back.
 */
import { SERVICE_NAMES, Stack } from '@demo/stack';
import { traceIdOf } from './contract-matcher';
import { sleep } from './load';
import { eventually, promQuery as queryPrometheus } from './prometheus';

let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start({ ports: 'free' });
});

afterAll(async () => {
  await stack?.stop();
});

function jsonLines(logs: string): Record<string, unknown>[] {
  return logs
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('logs', () => {
  let traceId: string;

  beforeAll(async () => {
    const response = await fetch(`${stack.frontendUrl}/api/users/3`);
    expect(response.status).toBe(200);
    traceId = traceIdOf(response.headers.get('traceresponse'));
  });

  test.each(SERVICE_NAMES)("%s writes a JSON log line carrying the request's trace id and a span id", async (name) => {
    const lines = await eventually(
      () => jsonLines(stack.process(name).fullLogs()).filter((line) => line.trace_id === traceId),
      (found) => found.length > 0,
      5_000,
      `a ${name} log line with trace_id ${traceId}`,
    );
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'request', service: name, span_id: expect.stringMatching(/^[0-9a-f]{16}$/) });
  });

  test('lines written outside a request carry no trace id', () => {
    const listening = jsonLines(stack.process('posts-service').fullLogs()).find((line) => line.msg === 'posts-service listening');
    expect(listening).toBeDefined();
    expect(listening).not.toHaveProperty('trace_id');
  });
  // The same lines also travel over OTLP to the log store: tests/e2e/log-store.test.ts.
});

describe('metrics', () => {
  let traffic: Promise<void>;
  let stopTraffic = false;

  beforeAll(() => {
    // Steady traffic while the tests poll, so that rates over the last minutes are not zero.
    traffic = (async () => {
      while (!stopTraffic) {
        await fetch(`${stack.frontendUrl}/api/users/${1 + Math.floor(Math.random() * 20)}`).then((r) => r.arrayBuffer());
        await sleep(100);
      }
    })();
  });

  afterAll(async () => {
    stopTraffic = true;
    await traffic;
  });

  const promQuery = (query: string) => queryPrometheus(stack.prometheusUrl, query);

  const labelValues = (series: { metric: Record<string, string> }[], label: string) =>
    [...new Set(series.map((s) => s.metric[label]))].sort();

  test('Prometheus holds the span-derived request and duration series of all three services', async () => {
    for (const metric of ['traces_span_metrics_calls_total', 'traces_span_metrics_duration_milliseconds_bucket']) {
      const series = await eventually(
        () => promQuery(`sum by (service_name) (${metric})`),
        (found) => labelValues(found, 'service_name').length === 3,
        45_000,
        metric,
      );
      expect(labelValues(series, 'service_name')).toEqual([...SERVICE_NAMES].sort());
    }
  });

  test("the posts-served domain metric is there, and no HTTP duration histograms: the demo's RED comes from the spans (TELEMETRY_HTTP_METRICS=false)", async () => {
    const served = await eventually(
      () => promQuery('sum by (post_visibility) (posts_served_total)'),
      (found) => found.length > 0,
      45_000,
      'posts_served_total',
    );
    expect(labelValues(served, 'post_visibility')).toContain('public');
    expect(served.every((s) => Number(s.value[1]) > 0)).toBe(true);
    // posts-service's export that carried posts.served would carry its server histogram too.
    for (const metric of ['http_server_request_duration_seconds_count', 'http_client_request_duration_seconds_count']) {
      expect([metric, await promQuery(`sum by (job) (${metric})`)]).toEqual([metric, []]);
    }
  });

  test.each(SERVICE_NAMES)("Jaeger's Monitor tab API returns call-rate series for %s", async (name) => {
    const query = () =>
      new URLSearchParams({
        service: name,
        spanKind: 'server',
        endTs: String(Date.now()),
        lookback: String(5 * 60_000),
        step: '5000',
        ratePer: '60000',
      });
    const body = await eventually(
      async () =>
        (await (await fetch(`${stack.jaegerUrl}/api/metrics/calls?${query()}`)).json()) as {
          metrics?: { labels: { name: string; value: string }[]; metricPoints: { gaugeValue?: { doubleValue: number } }[] }[];
        },
      (found) => (found.metrics ?? []).some((series) => series.metricPoints.some((point) => (point.gaugeValue?.doubleValue ?? 0) > 0)),
      60_000,
      `/api/metrics/calls for ${name}`,
    );
    expect(body.metrics?.[0]?.labels).toContainEqual({ name: 'service_name', value: name });
  });
});
