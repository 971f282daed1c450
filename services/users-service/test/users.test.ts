import { HttpError } from '@demo/service-kit';
import request from 'supertest';
import { buildApp } from '../src/app.ts';
import { UsersDatabase } from '../src/database.ts';
import type { Post, PostsClient } from '../src/posts-client.ts';

let database: UsersDatabase;
beforeEach(() => {
  database = UsersDatabase.open(':memory:');
});
afterEach(() => database.close());

/** A stand-in for the outbound client: this is a unit test of the route around it. */
function postsClient(listPosts: (userId: number) => Promise<Post[]>) {
  const calls: number[] = [];
  const client = {
    listPosts: (userId: number) => {
      calls.push(userId);
      return listPosts(userId);
    },
  } as unknown as PostsClient;
  return { client, calls };
}

const POST: Post = { id: 1, title: 'Tracing', body: 'b', visibility: 'public', createdAt: '2026-01-01T00:00:00.000Z' };

test('the database seeds the same 50 users at every start', async () => {
  const other = UsersDatabase.open(':memory:');
  expect(await database.fetchUser(1)).toEqual(await other.fetchUser(1));
  expect(await database.fetchUser(50)).toMatchObject({ id: 50 });
  expect(await database.fetchUser(51)).toBeUndefined();
  other.close();
});

test('GET /users/:id answers the user with their posts', async () => {
  const { client, calls } = postsClient(async () => [POST]);
  const response = await request(buildApp(database, client)).get('/users/7').expect(200);
  expect(response.body).toEqual({ ...(await database.fetchUser(7)), posts: [POST] });
  expect(calls).toEqual([7]);
});

test('an unknown user is a 404 and posts-service is not called', async () => {
  const { client, calls } = postsClient(async () => [POST]);
  await request(buildApp(database, client))
    .get('/users/999')
    .expect(404, { error: { code: 'not_found', message: 'user 999 does not exist' } });
  expect(calls).toEqual([]);
});

test.each(['abc', '0', '-3', '2147483648', "1'; DROP TABLE users; --"])('GET /users/%s is a 400', async (id) => {
  const { client, calls } = postsClient(async () => [POST]);
  const response = await request(buildApp(database, client))
    .get(`/users/${encodeURIComponent(id)}`)
    .expect(400);
  expect(response.body.error.code).toBe('invalid_id');
  expect(calls).toEqual([]);
});

test.each([
  [502, 'bad_gateway', 'posts-service answered 500'],
  [504, 'gateway_timeout', 'posts-service did not answer within 2000 ms'],
])('a posts-service failure is answered %i as JSON', async (status, code, message) => {
  const { client } = postsClient(async () => Promise.reject(new HttpError(status, code, message)));
  await request(buildApp(database, client)).get('/users/1').expect(status, { error: { code, message } });
});

describe('the planted bottleneck and its fix (FIX_SEQUENTIAL_FETCH)', () => {
  /** An app over a database with 30 ms of simulated latency, recording when each step happens. */
  function appRecordingOrder(fetchInParallel: boolean) {
    const order: string[] = [];
    const slowDb = UsersDatabase.open(':memory:', { latencyMs: 30 });
    const fetchUser = slowDb.fetchUser.bind(slowDb);
    slowDb.fetchUser = async (id) => {
      const user = await fetchUser(id);
      order.push('user read done');
      return user;
    };
    const { client } = postsClient(async () => {
      order.push('posts call started');
      return [POST];
    });
    return { app: buildApp(slowDb, client, { fetchInParallel }), order, close: () => slowDb.close() };
  }

  test('by default the posts call waits for the user read', async () => {
    const { app, order, close } = appRecordingOrder(false);
    await request(app).get('/users/1').expect(200);
    expect(order).toEqual(['user read done', 'posts call started']);
    close();
  });

  test('fixed, both start together; an unknown user is still a 404', async () => {
    const { app, order, close } = appRecordingOrder(true);
    await request(app).get('/users/1').expect(200);
    expect(order).toEqual(['posts call started', 'user read done']);
    await request(app).get('/users/999').expect(404);
    close();
  });
});
