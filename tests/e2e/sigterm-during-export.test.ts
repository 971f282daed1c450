/**
 * SIGTERM while a service's last batch of spans is still on its way to the Collector: the
 * service waits for that export before it exits, rather than exiting with the spans on the wire.
 * (The batch span processor's forceFlush returns at once when its queue is empty, even while an
 * export it started is in flight; a loaded machine made that window wide enough to lose spans.)
 */
import { Stack } from '@demo/stack';
import { traceIdOf } from './contract-matcher';
import { countDelivered, sleep } from './load';
import { TRACE_CONTRACTS } from './trace-contracts';

const SPANS_PER_REQUEST = TRACE_CONTRACTS.userWithPosts.spans.length;
let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start({ ports: 'free' });
});
afterAll(async () => {
  stack?.process('otel-collector').signal('SIGCONT');
  await stack?.stop();
});

test('users-service exits 0 only after its in-flight export is done, and every span arrives', async () => {
  const collector = stack.process('otel-collector');
  // A frozen Collector accepts connections (the kernel does) but answers nothing: exports hang.
  collector.signal('SIGSTOP');
  const traceIds: string[] = [];
  for (let id = 1; id <= 5; id++) {
    const response = await fetch(`${stack.frontendUrl}/api/users/${id}`);
    expect(response.status).toBe(200);
    traceIds.push(traceIdOf(response.headers.get('traceresponse')));
    await response.arrayBuffer();
  }
  // Past OTEL_BSP_SCHEDULE_DELAY (500 ms): the processor has handed its queue to the exporter.
  await sleep(1_500);

  const usersService = stack.process('users-service');
  const exitCode = usersService.stop(10_000);
  await sleep(1_500);
  const stillDelivering = usersService.isRunning;
  collector.signal('SIGCONT');

  expect(await exitCode).toBe(0);
  expect(stillDelivering).toBe(true);
  const delivered = await countDelivered(stack.jaegerUrl, traceIds, SPANS_PER_REQUEST);
  expect(delivered).toEqual({ expected: 5 * SPANS_PER_REQUEST, found: 5 * SPANS_PER_REQUEST, incompleteTraces: 0 });
});
