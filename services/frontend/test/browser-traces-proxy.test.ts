import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { buildApp } from '../src/app';
import { BROWSER_TRACES_PATH } from '../src/browser-telemetry';
import { BROWSER_TRACES_LIMITS, type BrowserTracesProxyOptions } from '../src/browser-traces-proxy';
import type { UsersClient } from '../src/users-client';

/** A stand-in for the Collector's OTLP/HTTP receiver: it records what it was sent. */
class FakeCollector {
  readonly received: unknown[] = [];
  status = 200;
  private readonly server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      this.received.push(JSON.parse(body));
      res.writeHead(this.status, { 'content-type': 'application/json' }).end('{}');
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/traces`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const collector = new FakeCollector();
let forwardUrl: string;
beforeAll(async () => {
  forwardUrl = await collector.start();
});
afterAll(() => collector.stop());
beforeEach(() => {
  collector.received.length = 0;
  collector.status = 200;
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => jest.restoreAllMocks());

function app(options: Partial<BrowserTracesProxyOptions> = {}) {
  const browserTraces = { forwardUrl, serviceName: 'frontend-web', ...options };
  return buildApp({} as UsersClient, { jaegerUiUrl: '', browserTraces });
}

function exportOf(serviceName?: string, spanCount = 1) {
  const attributes = serviceName ? [{ key: 'service.name', value: { stringValue: serviceName } }] : [];
  const spans = Array.from({ length: spanCount }, (_, i) => ({
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: (i + 1).toString(16).padStart(16, '0'),
    name: 'load_user_posts',
    kind: 1,
    startTimeUnixNano: '1700000000000000000',
    endTimeUnixNano: '1700000000100000000',
  }));
  return { resourceSpans: [{ resource: { attributes }, scopeSpans: [{ scope: { name: 'frontend-web' }, spans }] }] };
}

const post = (target: ReturnType<typeof app>) => request(target).post(BROWSER_TRACES_PATH);

test('a valid export is forwarded to the Collector as it came', async () => {
  const body = exportOf('frontend-web');
  await post(app()).send(body).expect(200);
  expect(collector.received).toEqual([body]);
});

test('a missing service.name is filled in with the browser’s own', async () => {
  await post(app()).send(exportOf()).expect(200);
  expect(collector.received).toEqual([exportOf('frontend-web')]);
});

test('another service’s service.name is refused with 403, and nothing is forwarded', async () => {
  const response = await post(app()).send(exportOf('users-service')).expect(403);
  expect(response.body.error.code).toBe('service_name_not_allowed');
  expect(collector.received).toEqual([]);
});

test.each([
  ['text/plain', 'hello', 415],
  ['application/x-protobuf', 'binary', 415],
  ['application/json', '{"resourceSpans": [', 400],
  ['application/json', '{"resourceSpans": {}}', 400],
  ['application/json', '[]', 400],
  ['application/json', 'null', 400],
  ['application/json', '{"resourceSpans": [{"scopeSpans": [{"spans": 3}]}]}', 400],
  ['application/json', '{"resourceSpans": [{"resource": {"attributes": [1]}, "scopeSpans": []}]}', 400],
])('%s %j is refused with %i', async (type, body, status) => {
  const response = await post(app()).set('content-type', type).send(body).expect(status);
  expect(response.body.error.message).toEqual(expect.any(String));
  expect(collector.received).toEqual([]);
});

test('a compressed body is refused with 415', async () => {
  await post(app()).set('content-type', 'application/json').set('content-encoding', 'gzip').send('{}').expect(415);
});

test('a body over the limit is refused with 413, and one with too many spans too', async () => {
  const huge = JSON.stringify({ resourceSpans: [], padding: 'x'.repeat(BROWSER_TRACES_LIMITS.maxBodyBytes) });
  const response = await post(app()).set('content-type', 'application/json').send(huge).expect(413);
  expect(response.body.error.message).toContain(String(BROWSER_TRACES_LIMITS.maxBodyBytes));
  await post(app({ maxSpans: 2 }))
    .send(exportOf('frontend-web', 3))
    .expect(413);
  expect(collector.received).toEqual([]);
});

test('a flood from one client is cut off with 429 and Retry-After', async () => {
  const target = app({ rateLimit: { burst: 3, perSecond: 1 } });
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) statuses.push((await post(target).send(exportOf('frontend-web'))).status);
  expect(statuses).toEqual([200, 200, 200, 429, 429]);
  const limited = await post(target).send(exportOf('frontend-web')).expect(429);
  expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
});

test('a Collector that refuses or is gone gives the browser a 503, not a hang or a crash', async () => {
  collector.status = 503;
  await post(app()).send(exportOf('frontend-web')).expect(503);
  const unreachable = await post(app({ forwardUrl: 'http://127.0.0.1:1/v1/traces' }))
    .send(exportOf('frontend-web'))
    .expect(503);
  expect(unreachable.body.error.code).toBe('collector_unavailable');
});

test('only POST is taken', async () => {
  const response = await request(app()).get(BROWSER_TRACES_PATH).expect(405);
  expect(response.headers.allow).toBe('POST');
});
