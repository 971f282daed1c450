import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import request from 'supertest';
import { buildApp } from '../src/app';
import { PostsDatabase } from '../src/database';
import { parseEvent, ViewRecorder } from '../src/view-recorder';

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

test('record_post_views counts one view of each post per event, all or nothing, and a repeated message id once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'post-views-'));
  const onDisk = PostsDatabase.open(join(dir, 'posts.db'));
  expect(await onDisk.recordPostViews([{ messageId: 'a', postIds: [1, 2] }])).toBe(0);
  expect(await onDisk.recordPostViews([{ postIds: [2] }, { messageId: 'a', postIds: [1, 2] }])).toBe(1);
  // Not an integer key: the whole batch rolls back, post 3 and message id 'b' included.
  await expect(onDisk.recordPostViews([{ messageId: 'b', postIds: [3] }, { postIds: ['x' as unknown as number] }])).rejects.toThrow(
    'the posts database is unavailable',
  );
  expect(await onDisk.recordPostViews([{ messageId: 'b', postIds: [4] }])).toBe(0);
  onDisk.close();
  const reader = new DatabaseSync(join(dir, 'posts.db'));
  expect(reader.prepare('SELECT post_id AS id, views FROM post_views ORDER BY post_id').all()).toEqual([
    { id: 1, views: 1 },
    { id: 2, views: 2 },
    { id: 4, views: 1 },
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

describe('ViewRecorder, around a channel that closes under it', () => {
  /** What amqplib throws on a closed channel (its lib/error.js). */
  const channelClosed = () => Object.assign(new Error('Channel closed'), { name: 'IllegalOperationError' });
  const event = { authorId: 1, postIds: [1, 11], viewedAt: '2026-12-04T11:00:00.000Z' };

  async function deliverTo(recorder: ViewRecorder, channel: object) {
    let onMessage: (message: unknown) => void = () => {};
    const fakeChannel = { on: () => {}, assertQueue: async () => ({}), prefetch: async () => {}, ...channel };
    Object.assign(fakeChannel, {
      consume: async (_queue: string, callback: typeof onMessage) => {
        onMessage = callback;
      },
    });
    await (recorder as unknown as { opened(model: object): Promise<void> }).opened({ createChannel: async () => fakeChannel });
    onMessage({ content: Buffer.from(JSON.stringify(event)), properties: { messageId: 'm-1', headers: {} }, fields: {} });
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  test('the ack of a recorded event on a closed channel is dropped, not a crash: the redelivery will be a repeat', async () => {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    const recorder = new ViewRecorder('amqp://127.0.0.1:1', database);
    await deliverTo(recorder, {
      ack: () => {
        throw channelClosed();
      },
      nack: () => {
        throw channelClosed();
      },
    });
    process.off('unhandledRejection', onRejection);
    expect({ rejections, counts: recorder.counts }).toEqual({
      rejections: [],
      counts: { recorded: 1, repeats: 0, failedAttempts: 0, rejected: 0 },
    });
  });

  test('a failed attempt whose nack meets a closed channel is counted, not a crash', async () => {
    const recorder = new ViewRecorder('amqp://127.0.0.1:1', database);
    database.close();
    await deliverTo(recorder, {
      ack: () => {},
      nack: () => {
        throw channelClosed();
      },
    });
    expect(recorder.counts).toMatchObject({ recorded: 0, failedAttempts: 1 });
    database = PostsDatabase.open(':memory:');
  });
});
