import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import request from 'supertest';
import { buildApp } from '../src/app';
import { PostsDatabase } from '../src/database';
import { parseEvent } from '../src/view-recorder';

let database: PostsDatabase;
beforeEach(() => {
  database = PostsDatabase.open(':memory:');
});
afterEach(() => database.close());

test('the HTTP adapter tells the listener of each non-empty list it serves, and only of those', async () => {
  const served: [number, number[]][] = [];
  const app = buildApp(database, { onServed: (authorId, posts) => served.push([authorId, posts.map((post) => post.id)]) });
  const response = await request(app).get('/posts?userId=3');
  expect(response.status).toBe(200);
  await request(app).get('/posts?userId=abc');
  expect(served).toEqual([[3, response.body.posts.map((post: { id: number }) => post.id)]]);
});

test('record_post_views counts one view of each post per event, all or nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'post-views-'));
  const onDisk = PostsDatabase.open(join(dir, 'posts.db'));
  await onDisk.recordPostViews([1, 2]);
  await onDisk.recordPostViews([2]);
  // Not an integer key: the whole event rolls back, post 3 included.
  await expect(onDisk.recordPostViews([3, 'x' as unknown as number])).rejects.toThrow('the posts database is unavailable');
  onDisk.close();
  const reader = new DatabaseSync(join(dir, 'posts.db'));
  expect(reader.prepare('SELECT post_id AS id, views FROM post_views ORDER BY post_id').all()).toEqual([
    { id: 1, views: 1 },
    { id: 2, views: 2 },
  ]);
  reader.close();
  rmSync(dir, { recursive: true });
});

describe('parseEvent', () => {
  const valid = { authorId: 1, postIds: [1, 51], viewedAt: '2026-12-04T08:00:00.000Z' };
  test('takes a posts.viewed event', () => {
    expect(parseEvent(Buffer.from(JSON.stringify(valid)))).toEqual(valid);
  });
  test.each([
    ['not JSON', '{"authorId":'],
    ['not an object', '42'],
    ['ids not integers', JSON.stringify({ ...valid, postIds: ['1'] })],
    ['a negative id', JSON.stringify({ ...valid, postIds: [-1] })],
    ['too many ids', JSON.stringify({ ...valid, postIds: Array.from({ length: 1001 }, (_, index) => index + 1) })],
    ['no author', JSON.stringify({ ...valid, authorId: undefined })],
    ['no time', JSON.stringify({ ...valid, viewedAt: 7 })],
    ['null', 'null'],
  ])('refuses %s', (_what, content) => {
    expect(parseEvent(Buffer.from(content))).toBeUndefined();
  });
});
