/**
 * When a downstream service is down or too slow, the frontend answers quickly with a clear
 * JSON error, and the trace still assembles across the services that are up.
 */
import { Stack } from '@demo/stack';
import { traceIdOf } from './contract-matcher';
import { expectPostsServiceDownContract, localTarget } from './contract-suite';
import { waitForTrace } from './jaeger';
import { report } from './load';
import { FAILURE_CONTRACTS } from './trace-contracts';

describe('posts-service down', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({ ports: 'free' });
    expect(await stack.process('posts-service').stop()).toBe(0);
  });
  afterAll(() => stack?.stop());

  test('the frontend answers 502 at once, and the failing CLIENT span carries the error', async () => {
    const { spans } = await expectPostsServiceDownContract(localTarget(stack), 2_000);
    const failedCall = spans.find((s) => s.service === 'users-service' && s.kind === 'CLIENT');
    expect(failedCall?.events).toContain('exception');
  });

  test('over gRPC as well: UNAVAILABLE on the CLIENT span, and the same 502 at once', async () => {
    const overHttp = await expectPostsServiceDownContract(localTarget(stack), 2_000);
    const overGrpc = await expectPostsServiceDownContract(localTarget(stack), 2_000, FAILURE_CONTRACTS.postsServiceDownOverGrpc);
    report('posts-service down', { answeredIn502AfterMs: { http: overHttp.elapsedMs, grpc: overGrpc.elapsedMs } });
  });
});

describe('a downstream slower than the outbound timeout', () => {
  let stack: Stack;
  // 1 ms is shorter than any real call through users-service, so every call times out.
  beforeAll(async () => {
    stack = await Stack.start({ ports: 'free', serviceEnv: { OUTBOUND_TIMEOUT_MS: '1' } });
  });
  afterAll(() => stack?.stop());

  test('the frontend answers 504 gateway_timeout, and its CLIENT span is marked failed', async () => {
    const response = await fetch(`${stack.frontendUrl}/api/users/1`);
    expect(response.status).toBe(504);
    expect(await response.json()).toEqual({ error: { code: 'gateway_timeout', message: 'users-service did not answer within 1 ms' } });
    const traceId = traceIdOf(response.headers.get('traceresponse'));
    const { spans } = await waitForTrace(stack.jaegerUrl, traceId, 2, { settleMs: 0 });
    const server = spans.find((s) => s.service === 'frontend' && s.kind === 'SERVER');
    const client = spans.find((s) => s.service === 'frontend' && s.kind === 'CLIENT');
    expect([server?.status, server?.attributes['http.response.status_code']]).toEqual(['ERROR', 504]);
    expect(client?.status).toBe('ERROR');
  });
});
