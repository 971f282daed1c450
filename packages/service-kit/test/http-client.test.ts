/** ServiceClient (axios) and FetchServiceClient (Node's fetch) against real local HTTP servers: each downstream failure maps to one status, whichever client. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CLIENT_IDLE_SOCKET_TIMEOUT_MS,
  FetchServiceClient,
  SERVER_KEEP_ALIVE_TIMEOUT_MS,
  ServiceClient,
  type ServiceClientOptions,
} from '../src';

let server: Server;
let baseURL: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/ok') return reply(200, { query: url.searchParams.get('userId') });
    if (url.pathname === '/missing') return reply(404, { error: { code: 'not_found', message: 'user 7 does not exist' } });
    if (url.pathname === '/timeout-below')
      return reply(504, { error: { code: 'gateway_timeout', message: 'posts-service did not answer within 2000 ms' } });
    if (url.pathname === '/broken') return reply(500, { error: { code: 'internal_error', message: 'internal error' } });
    if (url.pathname === '/slow') return void setTimeout(() => reply(200, {}), 1_000);
    reply(404, {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

type Client = { getJson<T>(path: string, params?: Record<string, string | number>): Promise<T> };
const CLIENTS: [string, (options: ServiceClientOptions) => Client][] = [
  ['axios', (options) => new ServiceClient(options)],
  ['fetch', (options) => new FetchServiceClient(options)],
];

describe.each(CLIENTS)('over %s', (_name, create) => {
  const client = (timeoutMs = 500, url = baseURL) => create({ service: 'posts-service', baseURL: url, timeoutMs });

  test('returns the JSON body and sends query parameters', async () => {
    await expect(client().getJson('/ok', { userId: 3 })).resolves.toEqual({ query: '3' });
  });

  test('a downstream 404 stays a 404 with its message', async () => {
    await expect(client().getJson('/missing')).rejects.toMatchObject({ status: 404, code: 'not_found', message: 'user 7 does not exist' });
  });

  test('a timeout further down is passed through as a 504', async () => {
    await expect(client().getJson('/timeout-below')).rejects.toMatchObject({
      status: 504,
      code: 'gateway_timeout',
      message: 'posts-service did not answer within 2000 ms',
    });
  });

  test('a downstream 5xx is a 502', async () => {
    await expect(client().getJson('/broken')).rejects.toMatchObject({
      status: 502,
      code: 'bad_gateway',
      message: 'posts-service answered 500',
    });
  });

  test('a downstream that does not answer in time is a 504, at the timeout', async () => {
    const started = Date.now();
    await expect(client(200).getJson('/slow')).rejects.toMatchObject({
      status: 504,
      code: 'gateway_timeout',
      message: 'posts-service did not answer within 200 ms',
    });
    expect(Date.now() - started).toBeLessThan(900);
  });

  test('a downstream that cannot be reached is a 502', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(client(500, `http://127.0.0.1:${port}`).getJson('/ok')).rejects.toMatchObject({
      status: 502,
      code: 'bad_gateway',
      message: 'posts-service could not be reached (ECONNREFUSED)',
    });
  });
});

test('the client closes an idle kept-alive connection before the server would', async () => {
  expect(CLIENT_IDLE_SOCKET_TIMEOUT_MS).toBeLessThan(SERVER_KEEP_ALIVE_TIMEOUT_MS);
  // A server that would keep the connection much longer, so that only the client can close it.
  const patient = createServer((_req, res) => res.end('{}'));
  patient.keepAliveTimeout = 60_000;
  const closedAfterMs: number[] = [];
  patient.on('connection', (socket) => {
    const opened = Date.now();
    socket.on('close', () => closedAfterMs.push(Date.now() - opened));
  });
  await new Promise<void>((resolve) => patient.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(patient.address() as AddressInfo).port}`;
  const idle = new ServiceClient({ service: 'posts-service', baseURL: url, timeoutMs: 500, idleSocketTimeoutMs: 200 });
  await idle.getJson('/');
  await new Promise((resolve) => setTimeout(resolve, 600));
  expect(closedAfterMs).toHaveLength(1);
  expect(closedAfterMs[0]).toBeGreaterThanOrEqual(150);
  await new Promise((resolve) => patient.close(resolve));
});
