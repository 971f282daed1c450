/**
 * Faults users inject per request (?fault=<service>:delay=<n>ms|error=<status>), carried as W3C
 * baggage on the real topology, each visible as an `injected_fault` span where it was applied.
 * The stack runs with what `pnpm demo` adds to .env, so the README's tour is run here as a
 * reader runs it in that mode.
 */

import { join } from 'node:path';
import { DEMO_SERVICE_ENV, REPO_ROOT, readEnvFile, Stack } from '@demo/stack';
import { traceIdOf } from './contract-matcher';
import { localTarget } from './contract-suite';
import { type StoredSpan, waitForTrace } from './jaeger';
import { describeReadmeTour } from './readme-tour';
import { TRACE_CONTRACTS } from './trace-contracts';

const FULL_TRACE = TRACE_CONTRACTS.userWithPosts.spans.length;
let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start({ ports: 'free', serviceEnv: DEMO_SERVICE_ENV });
});
afterAll(() => stack?.stop());

describeReadmeTour(() => ({
  ...localTarget(stack),
  outboundTimeoutMs: Number(readEnvFile(join(REPO_ROOT, '.env')).OUTBOUND_TIMEOUT_MS),
}));

async function request(path: string, headers: Record<string, string> = {}) {
  const started = Date.now();
  const response = await fetch(`${stack.frontendUrl}${path}`, { headers });
  const body = (await response.json()) as Record<string, unknown>;
  return { response, body, elapsedMs: Date.now() - started, traceId: traceIdOf(response.headers.get('traceresponse')) };
}

const injected = (spans: StoredSpan[]) => spans.filter((span) => span.name === 'injected_fault');

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
