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

/** A warm-up request, then the users-service spans of five more, on a stack started with `env`. */
async function usersSpansWith(env: Record<string, string>) {
  const stack = await Stack.start({ ports: 'free', serviceEnv: { DATABASE_LATENCY_MS: '80', ...env } });
  try {
    // The first request of a fresh stack pays for JIT and new connections: not what is measured.
    await (await fetch(`${stack.frontendUrl}/api/users/1`)).arrayBuffer();
    const requests = [];
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${stack.frontendUrl}/api/users/1`);
      expect(response.status).toBe(200);
      const traceId = traceIdOf(response.headers.get('traceresponse'));
      const { spans } = await waitForTrace(stack.jaegerUrl, traceId, TRACE_CONTRACTS.userWithPosts.spans.length);
      requests.push({
        read: span(spans, 'users-service', 'fetch_user_from_db'),
        call: span(spans, 'users-service', 'GET'),
        server: span(spans, 'users-service', 'GET /users/:id'),
      });
    }
    return requests;
  } finally {
    await stack.stop();
  }
}

const medianServerUs = (requests: { server: StoredSpan }[]) => {
  const sorted = requests.map(({ server }) => server.endUs - server.startUs).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

test('by default the posts call starts only after the user read ends', async () => {
  for (const { read, call } of await usersSpansWith({ FIX_SEQUENTIAL_FETCH: 'false' })) {
    expect(call.startUs).toBeGreaterThanOrEqual(read.endUs);
  }
});

test('FIX_SEQUENTIAL_FETCH=true overlaps them, and users-service answers sooner', async () => {
  const sequential = await usersSpansWith({ FIX_SEQUENTIAL_FETCH: 'false' });
  const parallel = await usersSpansWith({ FIX_SEQUENTIAL_FETCH: 'true' });
  for (const { read, call } of parallel) expect(call.startUs).toBeLessThan(read.endUs);
  // The user read alone is 80 ms of simulated latency: overlapping it saves most of that. Medians
  // of five warm requests: one cold request on 2 busy cores once saved only 32 ms.
  expect(medianServerUs(parallel)).toBeLessThan(medianServerUs(sequential) - 40_000);
});
