/**
 * The two-tier pipeline (docs/production.md), on real Collectors, Jaeger and Prometheus:
 * the agent routes spans by trace id to two gateways, which tail-sample whole traces. Every error
 * and every slow trace must be kept whole; a share of the rest, as configured; and the RED
 * metrics, computed before sampling, must count every request.
 */
import { join } from 'node:path';
import { REPO_ROOT, readEnvFile, Stack } from '@demo/stack';
import { getTrace } from '../jaeger';
import { countDelivered, type Outcome, report, runLoad, sleep } from '../load';
import { eventually, promQuery } from '../prometheus';
import { tourTraceSpans } from '../readme-tour';

const dotenv = readEnvFile(join(REPO_ROOT, '.env'));
const KEPT_SHARE = Number(dotenv.TAIL_SAMPLING_PERCENTAGE) / 100;
const SLOW_THRESHOLD_MS = Number(dotenv.TAIL_SAMPLING_LATENCY_THRESHOLD_MS);

const NORMAL = '/api/users/1';
const ERROR = '/api/users/1?fault=posts-service:error=503';
const SLOW = '/api/users/1?fault=posts-service:delay=800ms';
/** One request in ten an error, one in ten slow, the rest normal. */
const pathOf = (i: number) => (i % 10 === 3 ? ERROR : i % 10 === 7 ? SLOW : NORMAL);
/** The longest a gateway waits before it decides a trace (two-tier/gateway.yaml's decision_wait), and some slack. */
const DECISION_WAIT_MS = 10_000 + 3_000;
/** 99.9% two-sided normal quantile. */
const Z_999 = 3.2905;

interface Sent extends Outcome {
  path: string;
}

async function sendMix(stack: Stack, requests: number, ratePerSec: number): Promise<Sent[]> {
  const outcomes = await runLoad(stack.frontendUrl, { ratePerSec, durationMs: (requests / ratePerSec) * 1000, path: pathOf });
  return outcomes.map((outcome, i) => ({ ...outcome, path: pathOf(i) }));
}

/** Spans each gateway's OTLP receiver accepted, from its own metrics endpoint. */
async function acceptedSpans(stack: Stack): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const [index, name] of stack.gatewayNames.entries()) {
    const text = await (await fetch(stack.gatewayMetricsUrl(index))).text();
    counts[name] = text
      .split('\n')
      .filter((line) => line.startsWith('otelcol_receiver_accepted_spans'))
      .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
  }
  return counts;
}

describe('tail sampling behind a trace-id load balancer, two gateways', () => {
  let stack: Stack;
  let sent: Sent[];

  beforeAll(async () => {
    stack = await Stack.start({ ports: 'free', pipeline: 'two-tier', serviceEnv: { FAULT_INJECTION_ENABLED: 'true' } });
    sent = await sendMix(stack, 1_000, 50);
  }, 120_000);
  afterAll(() => stack?.stop());

  const of = (path: string) => sent.filter((outcome) => outcome.path === path);

  test('every request is answered as without sampling', () => {
    const statuses = (path: string) => [...new Set(of(path).map((o) => o.status))];
    expect({ normal: statuses(NORMAL), error: statuses(ERROR), slow: statuses(SLOW) }).toEqual({
      normal: [200],
      error: [502],
      slow: [200],
    });
  });

  test.each([
    ['error', ERROR],
    ['slow', SLOW],
  ])('every %s trace is kept, whole: all its spans in one trace', async (kind, path) => {
    const ids = of(path).map((o) => o.traceId as string);
    const delivered = await countDelivered(stack.jaegerUrl, ids, tourTraceSpans(path), DECISION_WAIT_MS + 20_000);
    report(`tail sampling: ${kind} traces`, { sent: ids.length, ...delivered });
    expect(delivered).toEqual({ expected: delivered.expected, found: delivered.expected, incompleteTraces: 0 });
  });

  test('a share of the normal traces is kept, whole, within the 99.9% binomial interval', async () => {
    await sleep(DECISION_WAIT_MS);
    // A normal request that took longer than the threshold is rightly kept as slow: not counted here.
    const normal = of(NORMAL).filter((o) => o.latencyMs < SLOW_THRESHOLD_MS);
    const spanCounts = await Promise.all(normal.map(async (o) => (await getTrace(stack.jaegerUrl, o.traceId as string)).length));
    const kept = spanCounts.filter((count) => count === tourTraceSpans(NORMAL)).length;
    const broken = spanCounts.filter((count) => count !== 0 && count !== tourTraceSpans(NORMAL)).length;
    const n = normal.length;
    const spread = Z_999 * Math.sqrt(n * KEPT_SHARE * (1 - KEPT_SHARE));
    const interval = [Math.ceil(n * KEPT_SHARE - spread), Math.floor(n * KEPT_SHARE + spread)] as const;
    report('tail sampling: normal traces', {
      normal: n,
      slowerThanThreshold: of(NORMAL).length - n,
      kept,
      broken,
      expected: n * KEPT_SHARE,
      interval999: interval,
    });
    expect(broken).toBe(0);
    expect(kept).toBeGreaterThanOrEqual(interval[0]);
    expect(kept).toBeLessThanOrEqual(interval[1]);
  });

  test('the span metrics count every request sent, not just the traces kept', async () => {
    const query = 'sum(traces_span_metrics_calls_total{service_name="frontend",span_kind="SPAN_KIND_SERVER"})';
    const calls = async () => Number((await promQuery(stack.prometheusUrl, query))[0]?.value[1] ?? 0);
    const counted = await eventually(calls, (value) => value >= sent.length, 30_000, query);
    report('tail sampling: span metrics', { requestsSent: sent.length, frontendServerCalls: counted });
    expect(counted).toBe(sent.length);
  });

  test('each gateway receives a share of the traces', async () => {
    const counts = await acceptedSpans(stack);
    report('tail sampling: spans per gateway', counts);
    expect(Object.keys(counts)).toHaveLength(2);
    for (const [name, spans] of Object.entries(counts)) expect([name, spans > 0]).toEqual([name, true]);
  });
});
