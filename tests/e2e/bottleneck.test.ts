/**
 * The planted bottleneck, as the waterfall shows it: by default users-service lists the posts
 * only after the user read ends (a staircase); FIX_SEQUENTIAL_FETCH=true overlaps the two.
 */
import { Stack } from '@demo/stack';
import { traceIdOf } from './contract-matcher';
import { type StoredSpan, waitForTrace } from './jaeger';
import { TRACE_CONTRACTS } from './trace-contracts';

const span = (spans: StoredSpan[], service: string, name: string) =>
  spans.find((s) => s.service === service && s.name === name) as StoredSpan;

/** The users-service spans of one request, on a stack started with `env`. */
async function usersSpansWith(env: Record<string, string>) {
  const stack = await Stack.start({ ports: 'free', serviceEnv: { DATABASE_LATENCY_MS: '80', ...env } });
  try {
    const response = await fetch(`${stack.frontendUrl}/api/users/1`);
    expect(response.status).toBe(200);
    const { spans } = await waitForTrace(
      stack.jaegerUrl,
      traceIdOf(response.headers.get('traceresponse')),
      TRACE_CONTRACTS.userWithPosts.spans.length,
    );
    return {
      read: span(spans, 'users-service', 'fetch_user_from_db'),
      call: span(spans, 'users-service', 'GET'),
      server: span(spans, 'users-service', 'GET /users/:id'),
    };
  } finally {
    await stack.stop();
  }
}

test('by default the posts call starts only after the user read ends', async () => {
  const { read, call } = await usersSpansWith({ FIX_SEQUENTIAL_FETCH: 'false' });
  expect(call.startUs).toBeGreaterThanOrEqual(read.endUs);
});

test('FIX_SEQUENTIAL_FETCH=true overlaps them, and users-service answers sooner', async () => {
  const sequential = await usersSpansWith({ FIX_SEQUENTIAL_FETCH: 'false' });
  const parallel = await usersSpansWith({ FIX_SEQUENTIAL_FETCH: 'true' });
  expect(parallel.call.startUs).toBeLessThan(parallel.read.endUs);
  const duration = (s: StoredSpan) => s.endUs - s.startUs;
  // The user read alone is 80 ms of simulated latency: overlapping it saves most of that.
  expect(duration(parallel.server)).toBeLessThan(duration(sequential.server) - 40_000);
});
