/**
 * The gRPC client against a stand-in PostsService on loopback (a unit test of the client: the
 * real posts-service is in tests/e2e). Each failure answers what the HTTP client answers.
 */
import { type ListPostsRequest, loadPostsService } from '@demo/contracts';
import { bindGrpcServer, stopGrpcServer } from '@demo/service-kit';
import { Server, type ServerUnaryCall, type sendUnaryData, status } from '@grpc/grpc-js';
import type { Post, PostsClient } from '../src/posts-client.ts';
import { TransportChoosingPostsClient } from '../src/posts-client.ts';
import { PostsGrpcClient } from '../src/posts-grpc-client.ts';

const POST = { id: 1, userId: 7, title: 'Tracing', body: 'b', visibility: 'public', createdAt: '2026-01-01T00:00:00.000Z' };
type Behaviour = (request: ListPostsRequest, callback: sendUnaryData<{ posts: unknown[] }>) => void;
let behaviour: Behaviour;
let server: Server;
let client: PostsGrpcClient;
const TIMEOUT_MS = 300;

beforeAll(async () => {
  server = new Server();
  server.addService(loadPostsService().service, {
    ListPosts: (call: ServerUnaryCall<ListPostsRequest, unknown>, callback: sendUnaryData<{ posts: unknown[] }>) =>
      behaviour(call.request, callback),
  });
  const port = await bindGrpcServer(server, '127.0.0.1', 0);
  client = new PostsGrpcClient(`127.0.0.1:${port}`, TIMEOUT_MS);
});
afterAll(async () => {
  client.close();
  await stopGrpcServer(server, 1_000);
});

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: { status: number; code: string; message: string }) => ({ status: error.status, code: error.code, message: error.message }),
  );

test('lists the posts the server answers, asking for the right user', async () => {
  const asked: ListPostsRequest[] = [];
  behaviour = (request, callback) => {
    asked.push(request);
    callback(null, { posts: [POST] });
  };
  expect(await client.listPosts(7)).toEqual([POST]);
  expect(asked).toEqual([{ userId: 7 }]);
});

test('an author with no posts: an empty list, not undefined', async () => {
  behaviour = (_request, callback) => callback(null, { posts: [] });
  expect(await client.listPosts(7)).toEqual([]);
});

test('UNAVAILABLE is a 502, NOT_FOUND a 404, and the deadline a 504 at the timeout', async () => {
  behaviour = (_request, callback) => callback({ code: status.UNAVAILABLE, details: 'down' });
  expect(await failure(client.listPosts(1))).toEqual({
    status: 502,
    code: 'bad_gateway',
    message: 'posts-service answered UNAVAILABLE over gRPC',
  });
  behaviour = (_request, callback) => callback({ code: status.NOT_FOUND, details: 'no user 1' });
  expect(await failure(client.listPosts(1))).toEqual({ status: 404, code: 'not_found', message: 'no user 1' });
  behaviour = (_request, callback) => setTimeout(() => callback(null, { posts: [] }), TIMEOUT_MS * 3);
  const started = Date.now();
  expect(await failure(client.listPosts(1))).toEqual({
    status: 504,
    code: 'gateway_timeout',
    message: `posts-service did not answer within ${TIMEOUT_MS} ms`,
  });
  expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 2);
});

test('nothing listening: a 502 at once, not at the deadline', async () => {
  const nowhere = new PostsGrpcClient('127.0.0.1:1', 5_000);
  const started = Date.now();
  expect(await failure(nowhere.listPosts(1))).toMatchObject({ status: 502, code: 'bad_gateway' });
  expect(Date.now() - started).toBeLessThan(1_000);
  nowhere.close();
});

test('posts-service stopped and back on its address: a 502 while it is gone, then served again at once', async () => {
  behaviour = (_request, callback) => callback(null, { posts: [POST] });
  const PostsService = loadPostsService();
  const start = async (port: number) => {
    const server = new Server();
    server.addService(PostsService.service, {
      ListPosts: (_call: unknown, callback: sendUnaryData<{ posts: unknown[] }>) => callback(null, { posts: [POST] }),
    });
    return { server, port: await bindGrpcServer(server, '127.0.0.1', port) };
  };
  const first = await start(0);
  const own = new PostsGrpcClient(`127.0.0.1:${first.port}`, 1_000);
  expect(await own.listPosts(7)).toEqual([POST]);
  await stopGrpcServer(first.server, 1_000);
  expect(await failure(own.listPosts(7))).toMatchObject({ status: 502 });
  const again = await start(first.port);
  const started = Date.now();
  expect(await own.listPosts(7)).toEqual([POST]);
  expect(Date.now() - started).toBeLessThan(1_000);
  own.close();
  await stopGrpcServer(again.server, 1_000);
});

test('the chooser calls the client of the requested transport: HTTP when no baggage says otherwise', async () => {
  const called: string[] = [];
  const fake = (name: string): PostsClient => ({
    listPosts: async () => {
      called.push(name);
      return [] as Post[];
    },
  });
  await new TransportChoosingPostsClient({ http: fake('http'), grpc: fake('grpc') }).listPosts(1);
  expect(called).toEqual(['http']);
});
