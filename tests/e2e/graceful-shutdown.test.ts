/**
 * SIGTERM lets a service finish what it serves and flush the spans still buffered in its batch
 * processor before it exits 0: stopping the services right after a request must not lose its trace.
 */
import { existsSync } from 'node:fs';
import { SERVICE_NAMES, Stack } from '@demo/stack';
import { contractViolations, traceIdOf } from './contract-matcher';
import { waitForTrace } from './jaeger';
import { userWithPostsContract } from './trace-contracts';

let stack: Stack;
beforeAll(async () => {
  // A long batch delay: without the flush on shutdown these spans would still be in memory.
  stack = await Stack.start({ ports: 'free', serviceEnv: { OTEL_BSP_SCHEDULE_DELAY: '60000' } });
});
afterAll(() => stack?.stop());

test('every service exits 0 within 10 s of SIGTERM and its spans reach Jaeger', async () => {
  const response = await fetch(`${stack.frontendUrl}/api/users/3`);
  expect(response.status).toBe(200);
  const traceId = traceIdOf(response.headers.get('traceresponse'));

  const started = Date.now();
  const codes = await Promise.all(SERVICE_NAMES.map((name) => stack.process(name).stop(10_000)));
  expect(codes).toEqual([0, 0, 0]);
  expect(Date.now() - started).toBeLessThan(10_000);

  const contract = userWithPostsContract(3);
  const { spans } = await waitForTrace(stack.jaegerUrl, traceId, contract.spans.length);
  expect(contractViolations(contract, spans)).toEqual([]);
});

test('then the Collector, Jaeger, Prometheus and VictoriaLogs exit 0 on SIGTERM too', async () => {
  const codes = await stack.stop();
  expect(codes).toEqual({
    frontend: 0,
    'users-service': 0,
    'posts-service': 0,
    'otel-collector': 0,
    jaeger: 0,
    prometheus: 0,
    'victoria-logs': 0,
  });
});

test('and the stack leaves no temporary folder behind (its logs, the Prometheus and VictoriaLogs data)', () => {
  expect(stack.tempDirs).toHaveLength(2);
  expect(stack.tempDirs.filter((dir) => existsSync(dir))).toEqual([]);
});
