/**
 * The demo's promise on the no-Docker topology (contract-suite.ts), and what only this mode can
 * see: each process's own output. Real processes throughout: the built services preloading the
 * bootstrap, the Collector and Jaeger built from Go modules, HTTP between them.
 */
import { Stack } from '@demo/stack';
import { traceIdOf } from './contract-matcher';
import { describeTraceContracts, localTarget } from './contract-suite';
import { sleep } from './load';

let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start({ ports: 'free' });
});

afterAll(async () => {
  await stack?.stop();
});

describeTraceContracts(() => localTarget(stack));

test('the frontend logs one line per request with the trace id and its Jaeger link', async () => {
  const response = await fetch(`${stack.frontendUrl}/api/users/2`);
  const traceId = traceIdOf(response.headers.get('traceresponse'));
  await response.arrayBuffer();
  const deadline = Date.now() + 5_000;
  let line: Record<string, unknown> | undefined;
  while (!line && Date.now() < deadline) {
    line = stack
      .process('frontend')
      .logs.split('\n')
      .filter((l) => l.includes(traceId))
      .map((l) => JSON.parse(l) as Record<string, unknown>)[0];
    if (!line) await sleep(50);
  }
  expect(line).toMatchObject({
    msg: 'request',
    method: 'GET',
    path: '/api/users/2',
    status: 200,
    trace_id: traceId,
    trace_url: expect.stringMatching(new RegExp(`^http://localhost:\\d+/trace/${traceId}$`)),
  });
  expect(typeof line?.duration_ms).toBe('number');
});

test('health probes answer without leaving traces', async () => {
  for (const port of [stack.ports.frontend, stack.ports.usersService, stack.ports.postsService]) {
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
  }
  const response = await fetch(`${stack.jaegerUrl}/api/traces?service=posts-service&operation=GET%20/readyz&limit=5`);
  const body = (await response.json()) as { data: unknown[] };
  expect(body.data).toEqual([]);
});

test('fault injection is off unless FAULT_INJECTION_ENABLED=true: asking for one is a clear 400', async () => {
  const response = await fetch(`${stack.frontendUrl}/api/users/1?fault=posts-service:error=503`);
  expect(response.status).toBe(400);
  expect(await response.json()).toMatchObject({ error: { code: 'fault_injection_disabled' } });
});
