/**
 * SIGTERM to each service under load: requests in flight complete, every span of every
 * completed request reaches Jaeger, and the process exits 0 within 10 s. Then SIGTERM to the
 * Collector: what it holds in memory is exported before it exits, not dropped.
 */
import { SERVICE_NAMES, Stack } from '@demo/stack';
import { countDelivered, report, runLoad, sleep } from './load';
import { TRACE_CONTRACTS } from './trace-contracts';

const SPANS_PER_REQUEST = TRACE_CONTRACTS.userWithPosts.spans.length;

describe('SIGTERM to a service under load', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({ ports: 'free' });
  });
  afterAll(() => stack?.stop());

  test.each(SERVICE_NAMES)('%s: in-flight requests complete, their spans arrive, exit 0 within 10 s', async (name) => {
    const sigtermAtMs = 1_500;
    const load = runLoad(stack.frontendUrl, { ratePerSec: 50, durationMs: 3_000, path: (i) => `/api/users/${(i % 50) + 1}` });
    await sleep(sigtermAtMs);
    const stopping = Date.now();
    const exitCode = await stack.process(name).stop(10_000);
    const stopMs = Date.now() - stopping;
    const outcomes = await load;
    await stack.start(name);

    const completed = outcomes.filter((o) => o.status === 200);
    // Sent well before the signal: these were in flight (or done) when it came, and must not fail.
    const earlier = outcomes.filter((o) => o.startedAtMs < sigtermAtMs - 100);
    const delivered = await countDelivered(
      stack.jaegerUrl,
      completed.map((o) => o.traceId as string),
      SPANS_PER_REQUEST,
    );
    report(`SIGTERM ${name} at 50 req/s`, { requests: outcomes.length, completed: completed.length, exitCode, stopMs, ...delivered });
    expect(exitCode).toBe(0);
    expect(stopMs).toBeLessThan(10_000);
    expect(earlier.filter((o) => o.status !== 200)).toEqual([]);
    expect(delivered.found).toBe(delivered.expected);
  });
});

describe('SIGTERM to the Collector', () => {
  let stack: Stack;
  beforeAll(async () => {
    // A 30 s batch window: what the Collector receives waits in its exporter's batch until it stops.
    stack = await Stack.start({ ports: 'free', collectorEnv: { COLLECTOR_BATCH_TIMEOUT: '30s' } });
  });
  afterAll(() => stack?.stop());

  test('it exports what it holds before it exits 0', async () => {
    const outcomes = await runLoad(stack.frontendUrl, { ratePerSec: 20, durationMs: 1_000, path: (i) => `/api/users/${i + 1}` });
    const traceIds = outcomes.map((o) => o.traceId as string);
    const expectedSpans = traceIds.length * SPANS_PER_REQUEST;
    const accepted = await waitForAcceptedSpans(stack, expectedSpans);
    const beforeStop = await countDelivered(stack.jaegerUrl, traceIds, SPANS_PER_REQUEST, 0);
    const exitCode = await stack.process('otel-collector').stop(10_000);
    const afterStop = await countDelivered(stack.jaegerUrl, traceIds, SPANS_PER_REQUEST);
    report('SIGTERM otel-collector holding a batch', {
      requests: outcomes.length,
      accepted,
      inJaegerBeforeStop: beforeStop.found,
      exitCode,
      ...afterStop,
    });
    expect(accepted).toBe(expectedSpans);
    expect(beforeStop.found).toBe(0);
    expect(exitCode).toBe(0);
    expect(afterStop.found).toBe(expectedSpans);
  });
});

/** Reads otelcol_receiver_accepted_spans from the Collector's own metrics until it reaches `count`. */
async function waitForAcceptedSpans(stack: Stack, count: number): Promise<number> {
  const deadline = Date.now() + 10_000;
  let accepted = 0;
  while (Date.now() < deadline) {
    const metrics = await (await fetch(stack.collectorMetricsUrl)).text();
    accepted = Number(/^otelcol_receiver_accepted_spans\{[^}]*\} (\d+)/m.exec(metrics)?.[1] ?? 0);
    if (accepted >= count) return accepted;
    await sleep(100);
  }
  return accepted;
}
