import { HttpError } from '@demo/service-kit';
import request from 'supertest';
import { buildApp } from '../src/app';
import type { UsersClient, UserWithPosts } from '../src/users-client';

const USER: UserWithPosts = { id: 1, name: 'Ada Lovelace', email: 'ada@example.com', posts: [] };

/** A stand-in for the outbound client: this is a unit test of the route around it. */
function usersClient(getUser: (id: number) => Promise<UserWithPosts>) {
  const calls: number[] = [];
  const client = {
    getUser: (id: number) => {
      calls.push(id);
      return getUser(id);
    },
  } as unknown as UsersClient;
  return { client, calls };
}

let stdout: jest.SpyInstance;
beforeEach(() => {
  stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => stdout.mockRestore());

test('GET /api/users/:id answers what users-service answered', async () => {
  const { client, calls } = usersClient(async () => USER);
  await request(buildApp(client, { jaegerUiUrl: 'http://jaeger:16686' }))
    .get('/api/users/1')
    .expect(200, USER);
  expect(calls).toEqual([1]);
});

test('it logs one JSON line per request with method, path, status and duration', async () => {
  const { client } = usersClient(async () => USER);
  await request(buildApp(client, { jaegerUiUrl: 'http://jaeger:16686' }))
    .get('/api/users/1?x=secret')
    .expect(200);
  const lines = stdout.mock.calls.map(([chunk]) => JSON.parse(String(chunk)) as Record<string, unknown>);
  expect(lines).toContainEqual(
    expect.objectContaining({ msg: 'request', method: 'GET', path: '/api/users/1', status: 200, duration_ms: expect.any(Number) }),
  );
});

test.each(['abc', '0', '1.0', '99999999999', 'x'.repeat(5000)])('a malformed id (%s) is a 400 without a downstream call', async (id) => {
  const { client, calls } = usersClient(async () => USER);
  const response = await request(buildApp(client, { jaegerUiUrl: '' }))
    .get(`/api/users/${id}`)
    .expect(400);
  expect(response.body).toEqual({ error: { code: 'invalid_id', message: 'id must be an integer from 1 to 2147483647' } });
  expect(calls).toEqual([]);
});

test.each([
  [404, 'not_found', 'user 9 does not exist'],
  [502, 'bad_gateway', 'users-service answered 500'],
  [504, 'gateway_timeout', 'users-service did not answer within 2000 ms'],
])('a downstream %i is passed on as JSON', async (status, code, message) => {
  const { client } = usersClient(async () => Promise.reject(new HttpError(status, code, message)));
  await request(buildApp(client, { jaegerUiUrl: '' }))
    .get('/api/users/9')
    .expect(status, { error: { code, message } });
});

test('only GET is routed', async () => {
  const { client } = usersClient(async () => USER);
  await request(buildApp(client, { jaegerUiUrl: '' }))
    .post('/api/users/1')
    .expect(404);
});

test('probes are answered but not logged', async () => {
  const { client } = usersClient(async () => USER);
  await request(buildApp(client, { jaegerUiUrl: '' }))
    .get('/readyz')
    .expect(200);
  expect(stdout.mock.calls).toEqual([]);
});
