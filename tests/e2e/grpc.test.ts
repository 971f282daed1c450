/**
 * The second carrier: users-service calls posts-service over gRPC when a request asks for it
 * (?transport=grpc), and the trace context rides in the call's metadata. Real processes: the
 * built services preloading the bootstrap, grpc-js between them, the real Collector and Jaeger.
 * Fault injection is on, as in `pnpm demo`; users-service's timeout is shorter than the
 * frontend's, so that its own 504 is the one the caller sees.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadPostsService, type PostsServiceClient } from '@demo/contracts';
import { DEMO_SERVICE_ENV, REPO_ROOT, Stack } from '@demo/stack';
import { credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { traceIdOf } from './contract-matcher';
import { describeGrpcFaultContracts, expectContractKept, localTarget } from './contract-suite';
import { operationsOf, type StoredSpan, waitForTrace } from './jaeger';
import { report } from './load';
import { LIST_POSTS_SPAN, TRACE_CONTRACTS } from './trace-contracts';

const USERS_TIMEOUT_MS = 1_000;
let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start({
    ports: 'free',
    serviceEnv: DEMO_SERVICE_ENV,
    envFor: { 'users-service': { OUTBOUND_TIMEOUT_MS: String(USERS_TIMEOUT_MS) } },
  });
});
afterAll(() => stack?.stop());

const span = (spans: StoredSpan[], service: string, kind: string) => spans.find((s) => s.service === service && s.kind === kind);

describeGrpcFaultContracts(() => localTarget(stack));

test('the carrier: posts-service received traceparent (the CLIENT span as parent) and baggage in the metadata', async () => {
  const { spans, traceId } = await expectContractKept(localTarget(stack), {
    ...TRACE_CONTRACTS.userWithPostsOverGrpc,
    path: '/api/users/1?transport=grpc&fault=posts-service:delay=10ms',
    spans: [
      ...TRACE_CONTRACTS.userWithPostsOverGrpc.spans,
      {
        ref: 'posts.fault',
        service: 'posts-service',
        name: 'injected_fault',
        kind: 'INTERNAL',
        parent: 'posts.server',
        status: 'UNSET',
        attributes: {},
      },
    ],
  });
  const client = span(spans, 'users-service', 'CLIENT');
  const server = span(spans, 'posts-service', 'SERVER');
  // A string[] attribute; Jaeger's API returns it as its JSON text.
  const received = (key: string) => JSON.parse(String(server?.attributes[`rpc.request.metadata.${key}`] ?? 'null')) as string[] | null;
  const metadata = { traceparent: received('traceparent'), baggage: received('baggage') };
  report('gRPC metadata as posts-service received it', metadata, 'grpc report');
  const rpcAttributes = (stored: StoredSpan | undefined) =>
    Object.fromEntries(Object.entries(stored?.attributes ?? {}).filter(([key]) => key.startsWith('rpc.') || key.startsWith('server.')));
  report(
    'the gRPC hop as Jaeger returned it',
    {
      spans: [client, server].map((stored) => ({
        service: stored?.service,
        kind: stored?.kind,
        name: stored?.name,
        status: stored?.status,
        ...rpcAttributes(stored),
      })),
    },
    'grpc report',
  );
  expect(metadata.traceparent).toEqual([`00-${traceId}-${client?.spanId}-01`]);
  expect(metadata.baggage?.flatMap((value) => value.split(',')).sort()).toEqual([
    'demo.fault=posts-service%3Adelay%3D10ms',
    'demo.transport=grpc',
  ]);
  expect(client?.attributes).toMatchObject({ 'server.address': '127.0.0.1', 'server.port': stack.ports.postsServiceGrpc });
});

test('HTTP stays the default: without ?transport the hop is axios, and its spans carry no rpc.* attribute', async () => {
  const { spans } = await expectContractKept(localTarget(stack), TRACE_CONTRACTS.userWithPosts);
  expect(spans.filter((s) => Object.keys(s.attributes).some((key) => key.startsWith('rpc.')))).toEqual([]);
});

test('a transport that does not exist is a 400 that names the choices, and reaches no other service', async () => {
  const response = await fetch(`${stack.frontendUrl}/api/users/1?transport=carrier-pigeon`);
  expect(response.status).toBe(400);
  expect(await response.json()).toEqual({ error: { code: 'invalid_transport', message: 'transport must be one of: http, grpc' } });
});

test.each(['http', 'grpc'])(
  'over %s, posts-service slower than the timeout: users-service answers 504 at its deadline',
  async (transport) => {
    const started = Date.now();
    const response = await fetch(`${stack.frontendUrl}/api/users/1?transport=${transport}&fault=posts-service:delay=1500ms`);
    const elapsedMs = Date.now() - started;
    expect(response.status).toBe(504);
    expect(await response.json()).toEqual({
      error: { code: 'gateway_timeout', message: `posts-service did not answer within ${USERS_TIMEOUT_MS} ms` },
    });
    expect(elapsedMs).toBeGreaterThanOrEqual(USERS_TIMEOUT_MS);
    expect(elapsedMs).toBeLessThan(1_500);
    const { spans } = await waitForTrace(stack.jaegerUrl, traceIdOf(response.headers.get('traceresponse')), 8);
    const client = span(spans, 'users-service', 'CLIENT');
    expect(client?.status).toBe('ERROR');
    if (transport === 'grpc') {
      expect(client?.attributes['rpc.grpc.status_code']).toBe(status.DEADLINE_EXCEEDED);
      expect(client?.name).toBe(LIST_POSTS_SPAN);
    }
    report(
      `timeout over ${transport}`,
      { status: response.status, elapsedMs, clientSpanCode: client?.attributes['rpc.grpc.status_code'] ?? null },
      'grpc report',
    );
  },
);

describe('the bootstrap traces what the app does, not itself', () => {
  test("the OTLP exporters' own gRPC calls, and the health probes, leave no span", async () => {
    const probe = await runHealthProbe(stack.ports.postsServiceGrpc);
    expect(probe.code).toBe(0);
    await fetch(`${stack.frontendUrl}/api/users/2?transport=grpc`).then((r) => r.arrayBuffer());
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const found = {
      'users-service': await operationsOf(stack.jaegerUrl, 'users-service'),
      'posts-service': await operationsOf(stack.jaegerUrl, 'posts-service'),
    };
    report('operations in Jaeger', found, 'grpc report');
    const grpcOperations = Object.values(found)
      .flat()
      .filter((name) => name.startsWith('grpc.'));
    expect([...new Set(grpcOperations)]).toEqual([LIST_POSTS_SPAN]);
  });
});

/** One call straight to posts-service's gRPC port, with this metadata; resolves with the gRPC code. */
function callWithMetadata(client: PostsServiceClient, metadata: Metadata): Promise<number> {
  return new Promise((resolve) => {
    client.ListPosts({ userId: 1 }, metadata, { deadline: Date.now() + 5_000 }, (error: ServiceError | null) =>
      resolve(error ? error.code : status.OK),
    );
  });
}

test('hostile metadata: posts-service answers each call, never crashes, never answers a server error it did not mean', async () => {
  const PostsService = loadPostsService();
  const client = new PostsService(`127.0.0.1:${stack.ports.postsServiceGrpc}`, credentials.createInsecure());
  const many = (count: number, entry: (i: number) => string) => Array.from({ length: count }, (_, i) => entry(i)).join(',');
  const battery: Record<string, [string, string | Buffer][]> = {
    'malformed traceparent': [['traceparent', 'not-a-traceparent']],
    'all-zero trace id': [['traceparent', '00-00000000000000000000000000000000-00f067aa0ba902b7-01']],
    'unknown version ff': [['traceparent', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01']],
    'huge traceparent (6 KB)': [['traceparent', `00-${'a'.repeat(6_000)}`]],
    'two traceparents': [
      ['traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
      ['traceparent', '00-11111111111111111111111111111111-2222222222222222-01'],
    ],
    'baggage over the W3C limit (10 KB)': [['baggage', `k=${'v'.repeat(10_000)}`]],
    'baggage of 300 entries': [['baggage', many(300, (i) => `k${i}=v`)]],
    'baggage not percent-decodable': [['baggage', 'demo.fault=%ZZ,demo.transport=%E0%A4%A']],
    'a fault for another service': [['baggage', 'demo.fault=users-service%3Aerror%3D500']],
    '100 metadata keys': Array.from({ length: 100 }, (_, i): [string, string] => [`x-key-${i}`, 'v']),
    'binary metadata': [['x-anything-bin', Buffer.from([0, 255, 1, 254])]],
    'metadata over the 16 KiB limit (20 KB baggage)': [['baggage', `k=${'v'.repeat(20_000)}`]],
    'metadata past HTTP/2 (1 MB baggage)': [['baggage', `k=${'v'.repeat(1_000_000)}`]],
  };
  const codes: Record<string, string> = {};
  for (const [name, entries] of Object.entries(battery)) {
    const metadata = new Metadata();
    for (const [key, value] of entries) metadata.add(key, value);
    codes[name] = status[await callWithMetadata(client, metadata)] as string;
  }
  client.close();
  const counts: Record<string, number> = {};
  for (const code of Object.values(codes)) counts[code] = (counts[code] ?? 0) + 1;
  report('hostile metadata', { calls: Object.keys(codes).length, counts, codes }, 'grpc report');
  const {
    'metadata over the 16 KiB limit (20 KB baggage)': overLimit,
    'metadata past HTTP/2 (1 MB baggage)': huge,
    ...withinLimit
  } = codes;
  expect(Object.values(withinLimit).every((code) => code === 'OK')).toBe(true);
  expect(overLimit).toBe('RESOURCE_EXHAUSTED');
  // Node's HTTP/2 layer resets a stream whose header list passes its own bound, before grpc-js or
  // the app sees it: the client reads that reset as INTERNAL. No handler ran; nothing failed.
  expect(huge).toBe('INTERNAL');
  expect(stack.process('posts-service').isRunning).toBe(true);
  expect((await fetch(`http://127.0.0.1:${stack.ports.postsService}/readyz`)).status).toBe(200);
  await expectContractKept(localTarget(stack), TRACE_CONTRACTS.userWithPostsOverGrpc);
});

/** posts-service's container healthcheck, run as compose runs it: no --require, so no SDK. */
async function runHealthProbe(grpcPort: number): Promise<{ code: number; stderr: string }> {
  const probe = join(REPO_ROOT, 'services', 'posts-service', 'dist', 'grpc-health-probe.js');
  try {
    await promisify(execFile)(process.execPath, [probe], { env: { ...process.env, GRPC_PORT: String(grpcPort) }, timeout: 10_000 });
    return { code: 0, stderr: '' };
  } catch (error) {
    const failed = error as { code?: number; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stderr: failed.stderr ?? '' };
  }
}

test('graceful stop: the health probe says NOT_SERVING or unreachable, and the process exits 0', async () => {
  expect(await stack.process('posts-service').stop()).toBe(0);
  const probe = await runHealthProbe(stack.ports.postsServiceGrpc);
  expect(probe).toEqual({ code: 1, stderr: expect.stringContaining('posts-service gRPC health') });
});
