/**
 * SHUTDOWN_DRAIN_MS: after SIGTERM a service keeps serving for the drain, unready, and closes each
 * connection after its response, so that a load balancer that learns of the stop late (a
 * Kubernetes Service) sends nothing to a closed port and no keep-alive client is left on it.
 * The day-two suite (kubernetes/day-two.test.ts) counts what it saves under rollouts.
 */
import { Agent, get } from 'node:http';
import { Stack } from '@demo/stack';

const DRAIN_MS = 2_000;
let stack: Stack;
beforeAll(async () => {
  stack = await Stack.start({ ports: 'free', serviceEnv: { SHUTDOWN_DRAIN_MS: String(DRAIN_MS) } });
});
afterAll(() => stack?.stop());

/** A GET on a keep-alive agent, as the services' clients and the load generator send them. */
function getWith(agent: Agent, url: string): Promise<{ status: number; connection: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, connection: response.headers.connection, body }));
    }).on('error', reject);
  });
}

test('after SIGTERM the frontend drains: unready, still answering, each connection closed after its response; then it exits 0', async () => {
  const agent = new Agent({ keepAlive: true });
  const before = await getWith(agent, `${stack.frontendUrl}/api/users/1`);
  expect([before.status, before.connection]).toEqual([200, 'keep-alive']);

  const frontend = stack.process('frontend');
  const signalledAt = Date.now();
  frontend.signal('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 200));
  const ready = await getWith(agent, `${stack.frontendUrl}/readyz`);
  expect([ready.status, JSON.parse(ready.body)]).toEqual([503, { status: 'draining' }]);
  const during = await getWith(agent, `${stack.frontendUrl}/api/users/1`);
  expect([during.status, during.connection]).toEqual([200, 'close']);

  expect(await frontend.exited).toBe(0);
  expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(DRAIN_MS);
  agent.destroy();
});
