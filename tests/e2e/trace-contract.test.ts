/**
 * The demo's promise, end to end: a request to the frontend leaves one trace in Jaeger that
 * holds exactly the contract's spans. Real processes throughout: the built services preloading
 * the bootstrap, the Collector and Jaeger built from Go modules, HTTP between them.
 */
import { Stack } from '@demo/stack';
import { contractViolations, traceIdOf } from './contract-matcher';
import { describe as describeSpans, waitForTrace } from './jaeger';
import { sleep } from './load';
import { TRACE_CONTRACTS, type TraceContract, userWithPostsContract } from './trace-contracts';

let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start({ ports: 'free' });
});

afterAll(async () => {
  await stack?.stop();
});

async function requestAndReadTrace(contract: TraceContract) {
  const response = await fetch(`${stack.frontendUrl}${contract.path}`);
  const traceId = traceIdOf(response.headers.get('traceresponse'));
  const body = await response.json();
  const { spans, visibleAfterMs } = await waitForTrace(stack.jaegerUrl, traceId, contract.spans.length);
  return { response, body, traceId, spans, visibleAfterMs };
}

describe.each(Object.entries(TRACE_CONTRACTS))('contract %s', (_name, contract: TraceContract) => {
  test(`${contract.path} answers ${contract.responseStatus} and Jaeger holds exactly the contract's spans`, async () => {
    const { response, spans, traceId, visibleAfterMs } = await requestAndReadTrace(contract);
    expect(response.status).toBe(contract.responseStatus);
    expect(spans.every((span) => span.traceId === traceId)).toBe(true);
    expect({ violations: contractViolations(contract, spans), spans: describeSpans(spans) }).toEqual({
      violations: [],
      spans: expect.any(String),
    });
    expect(visibleAfterMs).toBeLessThan(5_000);
  });
});

test('every service reports its resource: name, version, namespace and environment', async () => {
  const { spans } = await requestAndReadTrace(TRACE_CONTRACTS.userWithPosts);
  const resources = Object.fromEntries(spans.map((span) => [span.service, span.resource]));
  for (const service of ['frontend', 'users-service', 'posts-service']) {
    expect(resources[service]).toMatchObject({
      'service.version': '1.0.0',
      'service.namespace': 'otel-node-tracing-demo',
      'deployment.environment.name': 'local',
      'telemetry.sdk.language': 'nodejs',
    });
  }
});

test('the 200 answer is the user with their public posts only', async () => {
  const response = await fetch(`${stack.frontendUrl}/api/users/1`);
  const body = (await response.json()) as { id: number; posts: { userId: number; visibility: string }[] };
  expect(response.headers.get('content-type')).toMatch(/application\/json/);
  expect(body.id).toBe(1);
  expect(body.posts.length).toBeGreaterThan(0);
  expect(body.posts.every((post) => post.userId === 1 && post.visibility === 'public')).toBe(true);
});

test('error answers are JSON with a code and a message, never a stack trace', async () => {
  for (const [path, status, code] of [
    ['/api/users/abc', 400, 'invalid_id'],
    ['/api/users/999', 404, 'not_found'],
    ['/nowhere', 404, 'not_found'],
  ] as const) {
    const response = await fetch(`${stack.frontendUrl}${path}`);
    const text = await response.text();
    expect([path, response.status]).toEqual([path, status]);
    expect(JSON.parse(text)).toEqual({ error: { code, message: expect.any(String) } });
    expect(text).not.toMatch(/at .*\.js:\d+/);
  }
});

test('many requests at once: every trace holds its own request spans and no other', async () => {
  const userIds = Array.from({ length: 20 }, (_, i) => i + 1);
  const traces = await Promise.all(
    userIds.map(async (userId) => {
      const response = await fetch(`${stack.frontendUrl}/api/users/${userId}`);
      await response.arrayBuffer();
      return { userId, status: response.status, traceId: traceIdOf(response.headers.get('traceresponse')) };
    }),
  );
  expect(new Set(traces.map((t) => t.traceId)).size).toBe(userIds.length);
  for (const { userId, status, traceId } of traces) {
    expect(status).toBe(200);
    const contract = userWithPostsContract(userId);
    const { spans } = await waitForTrace(stack.jaegerUrl, traceId, contract.spans.length, { settleMs: 0 });
    expect(contractViolations(contract, spans)).toEqual([]);
  }
});

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
