/**
 * The gRPC adapter over a real grpc-js connection on loopback, against the real database: it
 * answers what the HTTP route answers, errors become the table's codes, and the health service
 * follows the server's state. (Spans are tested in tests/e2e, in real processes with the bootstrap.)
 */
import { loadPostsService, POSTS_SERVICE_NAME, type PostsServiceClient } from '@demo/contracts';
import { bindGrpcServer, stopGrpcServer } from '@demo/service-kit';
import { credentials, Metadata, makeClientConstructor, type ServiceError, status } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import request from 'supertest';
import { buildApp } from '../src/app';
import { PostsDatabase } from '../src/database';
import { createGrpcServer, MAX_METADATA_BYTES } from '../src/grpc-server';

let database: PostsDatabase;
let grpc: ReturnType<typeof createGrpcServer>;
let client: PostsServiceClient;
let health: { Check(request: { service: string }, callback: (error: ServiceError | null, response?: { status: string }) => void): void };
let address: string;

beforeAll(async () => {
  database = PostsDatabase.open(':memory:');
  grpc = createGrpcServer(database);
  const port = await bindGrpcServer(grpc.server, '127.0.0.1', 0);
  address = `127.0.0.1:${port}`;
  const PostsService = loadPostsService();
  client = new PostsService(address, credentials.createInsecure());
  const Health = makeClientConstructor(healthService, 'grpc.health.v1.Health');
  health = new Health(address, credentials.createInsecure()) as unknown as typeof health;
});
afterAll(async () => {
  client.close();
  await stopGrpcServer(grpc.server, 1_000);
  database.close();
});

function listPosts(request: { userId?: number; viewerId?: number }) {
  return new Promise<{ code: number; details?: string; posts?: unknown[] }>((resolve) => {
    client.ListPosts(request, { deadline: Date.now() + 5_000 }, (error, response) =>
      resolve(error ? { code: error.code, details: error.details } : { code: status.OK, posts: response?.posts }),
    );
  });
}

function checkHealth(service: string) {
  return new Promise<string>((resolve) =>
    health.Check({ service }, (error, response) => resolve(error ? `error ${error.code}` : (response?.status ?? ''))),
  );
}

test('ListPosts answers what GET /posts answers, for an anonymous viewer and for the author', async () => {
  const app = buildApp(database);
  for (const [query, grpcRequest] of [
    ['userId=3', { userId: 3 }],
    ['userId=3&viewerId=3', { userId: 3, viewerId: 3 }],
  ] as const) {
    const { body } = await request(app).get(`/posts?${query}`).expect(200);
    expect(await listPosts(grpcRequest)).toEqual({ code: status.OK, posts: body.posts });
  }
});

test('the same permission check: an unset user_id is INVALID_ARGUMENT, with the HTTP 400 message', async () => {
  const { body } = await request(buildApp(database)).get('/posts').expect(400);
  expect(await listPosts({})).toEqual({ code: status.INVALID_ARGUMENT, details: body.error.message });
});

test('a failure inside is INTERNAL, and says nothing of its own', async () => {
  const closed = PostsDatabase.open(':memory:');
  closed.close();
  const broken = createGrpcServer(closed);
  const port = await bindGrpcServer(broken.server, '127.0.0.1', 0);
  const PostsService = loadPostsService();
  const other = new PostsService(`127.0.0.1:${port}`, credentials.createInsecure());
  const answer = await new Promise<ServiceError | null>((resolve) =>
    other.ListPosts({ userId: 1 }, { deadline: Date.now() + 5_000 }, resolve),
  );
  other.close();
  await stopGrpcServer(broken.server, 1_000);
  expect({ code: answer?.code, details: answer?.details }).not.toEqual({ code: status.OK, details: undefined });
  expect(answer?.details).not.toMatch(/at .*\.js:\d+/);
});

test('the health service: NOT_SERVING until told, SERVING then, NOT_SERVING again at shutdown', async () => {
  expect(await checkHealth(POSTS_SERVICE_NAME)).toBe('NOT_SERVING');
  grpc.setServing(true);
  expect([await checkHealth(POSTS_SERVICE_NAME), await checkHealth('')]).toEqual(['SERVING', 'SERVING']);
  expect(grpc.isServing()).toBe(true);
  grpc.setServing(false);
  expect(await checkHealth(POSTS_SERVICE_NAME)).toBe('NOT_SERVING');
  expect(await checkHealth('no.such.Service')).toBe(`error ${status.NOT_FOUND}`);
});

test('/readyz waits for the gRPC server', async () => {
  let grpcUp = false;
  const app = buildApp(database, { otherTransportsReady: () => grpcUp });
  await request(app).get('/readyz').expect(503);
  grpcUp = true;
  await request(app).get('/readyz').expect(200);
});

test('metadata over the limit is RESOURCE_EXHAUSTED before the handler; just under it is served', async () => {
  const call = (bytes: number) => {
    const metadata = new Metadata();
    metadata.add('x-padding', 'v'.repeat(bytes));
    return new Promise<number>((resolve) =>
      client.ListPosts({ userId: 1 }, metadata, { deadline: Date.now() + 5_000 }, (error) => resolve(error ? error.code : status.OK)),
    );
  };
  // The call's own headers (content-type, user-agent, te, ...) take a few hundred bytes of the limit.
  expect(await call(MAX_METADATA_BYTES - 1_024)).toBe(status.OK);
  expect(await call(MAX_METADATA_BYTES)).toBe(status.RESOURCE_EXHAUSTED);
});
