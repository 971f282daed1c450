/**
 * pnpm load, run briefly against the no-Docker demo as a user runs it: it sends its mix, stops
 * cleanly on SIGTERM, and leaves both transports and a fault among posts-service's operations in
 * Jaeger: what the Monitor tab and the dependency graph are then drawn from.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { DEMO_SERVICE_ENV, REPO_ROOT, Stack } from '@demo/stack';
import { operationsOf } from './jaeger';
import { report, sleep } from './load';
import { eventually } from './prometheus';
import { LIST_POSTS_SPAN } from './trace-contracts';

let stack: Stack;
beforeAll(async () => {
  stack = await Stack.start({ ports: 'free', serviceEnv: DEMO_SERVICE_ENV });
});
afterAll(() => stack?.stop());

test('pnpm load: its mix reaches posts-service over both transports, with faults, and SIGTERM stops it with exit 0', async () => {
  const cli = join(REPO_ROOT, 'tools', 'load', 'dist', 'cli.js');
  const child = spawn(process.execPath, [cli, '--rate', '20', '--target', stack.frontendUrl], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  // 120 requests at 20 req/s: six faults, three over each transport.
  await sleep(6_000);
  const stoppedAt = Date.now();
  child.kill('SIGTERM');
  const code = await exited;
  const stopMs = Date.now() - stoppedAt;
  const totals = JSON.parse(/stopped after [\d.]+ s: (\{.*\})/.exec(output)?.[1] ?? 'null') as Record<string, number> | null;
  expect({ code, totals }).toEqual({
    code: 0,
    totals: { sent: expect.any(Number), ok: expect.any(Number), non2xx: expect.any(Number), errors: 0 },
  });
  expect(totals?.sent).toBeGreaterThanOrEqual(100);
  // Unknown users (1 in 10) and injected 503s (1 in 40) answer non-2xx; the rest answer 200.
  expect(totals?.non2xx).toBeGreaterThan(0);
  expect(stopMs).toBeLessThan(3_000);

  const wanted = ['GET /posts', LIST_POSTS_SPAN, 'injected_fault'];
  const operations = await eventually(
    () => operationsOf(stack.jaegerUrl, 'posts-service'),
    (found) => wanted.every((name) => found.includes(name)),
    15_000,
    "posts-service's operations in Jaeger",
  );
  report('load generator', { stopMs, totals, postsServiceOperations: operations.sort() }, 'load report');
  expect(operations).toEqual(expect.arrayContaining(wanted));
});
