/**
 * A crash-safe Collector queue (docs/production.md): with Jaeger down, everything the
 * Collector has accepted waits in its queue; the Collector is SIGKILLed and started again; then
 * Jaeger comes back. On disk (file_storage), every span must still arrive. The same run with the
 * queue in memory shows what that protects against.
 */
import { Stack } from '@demo/stack';
import { countDelivered, report, runLoad, sleep } from '../load';
import { TRACE_CONTRACTS } from '../trace-contracts';

const SPANS_PER_REQUEST = TRACE_CONTRACTS.userWithPosts.spans.length;
/** The services export every OTEL_BSP_SCHEDULE_DELAY (500 ms): by then the Collector has them all. */
const EXPORT_SETTLE_MS = 2_000;

async function crashWhileJaegerIsDown(collectorEnv: Record<string, string>) {
  const stack = await Stack.start({ ports: 'free', collectorEnv });
  try {
    await stack.process('jaeger').stop();
    const outcomes = await runLoad(stack.frontendUrl, { ratePerSec: 100, durationMs: 20_000, path: (i) => `/api/users/${(i % 20) + 1}` });
    await sleep(EXPORT_SETTLE_MS);
    await stack.process('otel-collector').stop(0, 'SIGKILL');
    await stack.start('otel-collector');
    await stack.start('jaeger');
    const answered = outcomes.filter((o) => o.status === 200).map((o) => o.traceId as string);
    // On 2 cores, 100 req/s is near what the three services carry: some answer 504 at the outbound
    // timeout (87 of 2000 in one CI run). The claim is about the requests that were answered; the
    // tests only ask that most were, so that the claim is about something.
    const failedByStatus = Object.fromEntries(
      [...new Set(outcomes.map((o) => o.status))]
        .filter((status) => status !== 200)
        .map((s) => [s, outcomes.filter((o) => o.status === s).length]),
    );
    const delivered = await countDelivered(stack.jaegerUrl, answered, SPANS_PER_REQUEST, 60_000);
    return {
      requests: outcomes.length,
      answered: answered.length,
      failedByStatus,
      ...delivered,
      lost: delivered.expected - delivered.found,
    };
  } finally {
    await stack.stop();
  }
}

test('queue on disk: every span of every answered request reaches Jaeger after the crash', async () => {
  const figures = await crashWhileJaegerIsDown({});
  report('SIGKILL otel-collector while Jaeger is down, persistent queue', figures);
  expect(figures.answered).toBeGreaterThan(figures.requests / 2);
  expect(figures).toMatchObject({ found: figures.expected, incompleteTraces: 0 });
}, 240_000);

test('queue in memory (COLLECTOR_QUEUE_STORAGE=null): the crash loses what the Collector held', async () => {
  const figures = await crashWhileJaegerIsDown({ COLLECTOR_QUEUE_STORAGE: 'null' });
  report('SIGKILL otel-collector while Jaeger is down, in-memory queue', figures);
  expect(figures.answered).toBeGreaterThan(figures.requests / 2);
  expect(figures.lost).toBeGreaterThan(0);
}, 240_000);
