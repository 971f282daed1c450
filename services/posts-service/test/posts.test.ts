import request from 'supertest';
import { buildApp } from '../src/app';
import { POSTS_PER_USER, PostsDatabase } from '../src/database';
import { validatePostPermissions } from '../src/permissions';

let database: PostsDatabase;
beforeEach(() => {
  database = PostsDatabase.open(':memory:');
});
afterEach(() => database.close());

describe('database', () => {
  test('seeds the same posts at every start: 10 per user, some private', async () => {
    const other = PostsDatabase.open(':memory:');
    const all = await database.fetchPosts(1, ['public', 'private']);
    expect(all).toHaveLength(POSTS_PER_USER);
    expect(await other.fetchPosts(1, ['public', 'private'])).toEqual(all);
    other.close();
    const perUser = await Promise.all([...Array(50).keys()].map((i) => database.fetchPosts(i + 1, ['private'])));
    const privateCount = perUser.flat().length;
    expect(privateCount).toBeGreaterThan(50);
    expect(privateCount).toBeLessThan(250);
  });

  test('filters by visibility with bound parameters', async () => {
    const publicOnly = await database.fetchPosts(1, ['public']);
    expect(publicOnly.length).toBeGreaterThan(0);
    expect(publicOnly.every((p) => p.visibility === 'public' && p.userId === 1)).toBe(true);
    expect(await database.fetchPosts(1, ["public') OR 1=1 --" as 'public'])).toEqual([]);
  });
});

describe('validatePostPermissions', () => {
  test('anonymous callers and other users see public posts; the author sees all', () => {
    expect(validatePostPermissions({ userId: '5' })).toEqual({ authorId: 5, visibilities: ['public'] });
    expect(validatePostPermissions({ userId: '5', viewerId: '6' })).toEqual({ authorId: 5, visibilities: ['public'] });
    expect(validatePostPermissions({ userId: '5', viewerId: '5' })).toEqual({ authorId: 5, visibilities: ['public', 'private'] });
  });

  test('rejects malformed ids', () => {
    expect(() => validatePostPermissions({})).toThrow('userId must be an integer');
    expect(() => validatePostPermissions({ userId: '5', viewerId: 'x' })).toThrow('viewerId must be an integer');
  });
});

describe('GET /posts', () => {
  test('lists the public posts of a user', async () => {
    const response = await request(buildApp(database)).get('/posts?userId=2').expect(200);
    expect(response.body.posts.length).toBeGreaterThan(0);
    expect(response.body.posts.every((p: { visibility: string }) => p.visibility === 'public')).toBe(true);
  });

  test('the author sees their private posts too', async () => {
    const all = await request(buildApp(database)).get('/posts?userId=2&viewerId=2').expect(200);
    const publicOnly = await request(buildApp(database)).get('/posts?userId=2').expect(200);
    expect(all.body.posts.length).toBe(POSTS_PER_USER);
    expect(all.body.posts.length).toBeGreaterThan(publicOnly.body.posts.length);
  });

  test('a user with no posts gets an empty list', async () => {
    await request(buildApp(database)).get('/posts?userId=999').expect(200, { posts: [] });
  });

  test.each(['', '?userId=', '?userId=abc', '?userId=-1', '?userId=1&userId=2'])('GET /posts%s is a 400', async (query) => {
    const response = await request(buildApp(database)).get(`/posts${query}`).expect(400);
    expect(response.body.error.code).toBe('invalid_id');
  });

  test('once the database is gone, /readyz fails and requests get a clear 503', async () => {
    await request(buildApp(database)).get('/readyz').expect(200);
    database.close();
    await request(buildApp(database)).get('/readyz').expect(503);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await request(buildApp(database))
      .get('/posts?userId=1')
      .expect(503, { error: { code: 'database_unavailable', message: 'the posts database is unavailable' } });
    stderr.mockRestore();
  });
});
