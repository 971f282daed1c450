/**
 * A service whose database file is corrupt starts anyway, says it is not ready, answers 503 with
 * a clear message, and the failing query's span records the error.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack } from '@demo/stack';
import { traceIdOf } from './contract-matcher';
import { waitForTrace } from './jaeger';

let stack: Stack;
let postsUrl: string;
const databaseDir = mkdtempSync(join(tmpdir(), 'posts-db-'));

beforeAll(async () => {
  const corrupt = join(databaseDir, 'posts.db');
  writeFileSync(corrupt, Buffer.alloc(64 * 1024, 'not a database '));
  stack = await Stack.start({ ports: 'free', without: ['posts-service'], envFor: { 'posts-service': { DATABASE_PATH: corrupt } } });
  await stack.start('posts-service', { until: 'alive' });
  postsUrl = `http://127.0.0.1:${stack.ports.postsService}`;
});
afterAll(async () => {
  await stack?.stop();
  rmSync(databaseDir, { recursive: true, force: true });
});

test('/healthz answers, /readyz says not ready', async () => {
  expect((await fetch(`${postsUrl}/healthz`)).status).toBe(200);
  const ready = await fetch(`${postsUrl}/readyz`);
  expect([ready.status, await ready.json()]).toEqual([503, { status: 'not_ready' }]);
});

test('requests get 503 database_unavailable, and the trace records it on the query span', async () => {
  const direct = await fetch(`${postsUrl}/posts?userId=1`);
  expect([direct.status, await direct.json()]).toEqual([
    503,
    { error: { code: 'database_unavailable', message: 'the posts database is unavailable' } },
  ]);

  const response = await fetch(`${stack.frontendUrl}/api/users/1`);
  expect(response.status).toBe(502);
  const { spans } = await waitForTrace(stack.jaegerUrl, traceIdOf(response.headers.get('traceresponse')), 8);
  const query = spans.find((span) => span.name === 'fetch_posts_from_db');
  expect(query).toMatchObject({ status: 'ERROR', attributes: expect.objectContaining({ 'error.type': 'database_unavailable' }) });
  expect(query?.events).toContain('exception');
  const postsServer = spans.find((span) => span.service === 'posts-service' && span.kind === 'SERVER');
  expect(postsServer?.attributes['http.response.status_code']).toBe(503);
  expect(stack.process('posts-service').isRunning).toBe(true);
});
