/**
 * Faults users inject per request (?fault=<service>:delay=<n>ms|error=<status>), carried as W3C
 * baggage on the real topology, each visible as an `injected_fault` span where it was applied.
 */
import { Stack } from '@demo/stack';
import { traceIdOf } from './contract-matcher';
import { type StoredSpan, waitForTrace } from './jaeger';
import { TRACE_CONTRACTS } from './trace-contracts';

const FULL_TRACE = TRACE_CONTRACTS.userWithPosts.spans.length;
let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start({ ports: 'free', serviceEnv: { FAULT_INJECTION_ENABLED: 'true' } });
});
afterAll(() => stack?.stop());

async function request(path: string, headers: Record<string, string> = {}) {
  const started = Date.now();
  const response = await fetch(`${stack.frontendUrl}${path}`, { headers });
  const body = (await response.json()) as Record<string, unknown>;
  return { response, body, elapsedMs: Date.now() - started, traceId: traceIdOf(response.headers.get('traceresponse')) };
}

const injected = (spans: StoredSpan[]) => spans.filter((span) => span.name === 'injected_fault');
const serverSpanOf = (spans: StoredSpan[], service: string) => spans.find((s) => s.service === service && s.kind === 'SERVER');

test('a delay in posts-service shows as its own span, under posts-service, with its parameters', async () => {
  const { response, elapsedMs, traceId } = await request('/api/users/1?fault=posts-service:delay=300ms');
  expect(response.status).toBe(200);
  expect(elapsedMs).toBeGreaterThanOrEqual(300);
  const { spans } = await waitForTrace(stack.jaegerUrl, traceId, FULL_TRACE + 1);
  const [fault] = injected(spans);
  expect(fault).toMatchObject({
    service: 'posts-service',
    parentSpanId: serverSpanOf(spans, 'posts-service')?.spanId,
    attributes: expect.objectContaining({ 'demo.fault.type': 'delay', 'demo.fault.delay_ms': 300, 'demo.fault.service': 'posts-service' }),
  });
  expect((fault?.endUs ?? 0) - (fault?.startUs ?? 0)).toBeGreaterThanOrEqual(300_000);
});

test('an error in posts-service: a failed injected_fault span there, and a 502 at the frontend', async () => {
  const { response, body, traceId } = await request('/api/users/1?fault=posts-service:error=503');
  expect(response.status).toBe(502);
  expect(body).toEqual({ error: { code: 'bad_gateway', message: 'users-service answered 502' } });
  const { spans } = await waitForTrace(stack.jaegerUrl, traceId, 7);
  expect(injected(spans)).toEqual([expect.objectContaining({ service: 'posts-service', status: 'ERROR' })]);
  expect(serverSpanOf(spans, 'posts-service')?.attributes['http.response.status_code']).toBe(503);
});

test('posts-service slower than the outbound timeout: 504 at the timeout, and the trace shows where the time went', async () => {
  const { response, body, elapsedMs, traceId } = await request('/api/users/1?fault=posts-service:delay=3000ms');
  expect(response.status).toBe(504);
  expect(body).toEqual({ error: { code: 'gateway_timeout', message: expect.stringMatching(/did not answer within 2000 ms/) } });
  expect(elapsedMs).toBeGreaterThanOrEqual(2_000);
  expect(elapsedMs).toBeLessThan(3_000);
  // The posts-service spans end after its 3 s delay, so the whole trace is there a moment later.
  const { spans } = await waitForTrace(stack.jaegerUrl, traceId, FULL_TRACE, { timeoutMs: 10_000 });
  expect(injected(spans).map((s) => s.service)).toEqual(['posts-service']);
  const calls = spans.filter((s) => s.kind === 'CLIENT');
  expect(calls.map((s) => [s.service, s.status]).sort()).toEqual([
    ['frontend', 'ERROR'],
    ['users-service', 'ERROR'],
  ]);
});

test('baggage sent from outside is dropped at the frontend and never applied', async () => {
  const { response, traceId } = await request('/api/users/1', { baggage: 'demo.fault=posts-service:error=500' });
  expect(response.status).toBe(200);
  const { spans } = await waitForTrace(stack.jaegerUrl, traceId, FULL_TRACE);
  expect(injected(spans)).toEqual([]);
});

test('a malformed fault is a 400 that reaches no other service', async () => {
  const { response, body } = await request('/api/users/1?fault=posts-service:melt');
  expect(response.status).toBe(400);
  expect(body).toMatchObject({ error: { code: 'invalid_fault' } });
});
