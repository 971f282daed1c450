import { log } from '@demo/service-kit';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { BrokerConnection, VIEW_EVENTS_QUEUE } from './broker-connection';
import type { PostsDatabase } from './database';
import type { PostsViewed } from './view-events';

export interface RecorderCounts {
  /** Recorded in the database, and acknowledged. */
  recorded: number;
  /** Not a posts.viewed event: rejected (not requeued), logged. */
  rejected: number;
  /** The database failed: requeued for another try. */
  requeued: number;
}

/** At most this many deliveries unacknowledged at once. */
const PREFETCH = 20;

/**
 * The consumer of posts.viewed, inside posts-service: counts each view in the database
 * (record_post_views). The amqplib instrumentation opens a CONSUMER span for each delivery, in
 * the producer's trace, and the database span is its child. The HTTP answer never waits for it.
 */
export class ViewRecorder {
  readonly counts: RecorderCounts = { recorded: 0, rejected: 0, requeued: 0 };
  private readonly connection: BrokerConnection;

  constructor(
    url: string,
    private readonly database: PostsDatabase,
  ) {
    this.connection = new BrokerConnection(url, 'view-event consumer', (opened) => this.opened(opened));
  }

  start(): void {
    this.connection.start();
  }

  stop(): Promise<void> {
    return this.connection.stop();
  }

  private async opened(connection: ChannelModel): Promise<void> {
    const channel = await connection.createChannel();
    channel.on('error', () => {});
    await channel.assertQueue(VIEW_EVENTS_QUEUE, { durable: true });
    await channel.prefetch(PREFETCH);
    await channel.consume(VIEW_EVENTS_QUEUE, (message) => {
      if (message) void this.handle(channel, message);
    });
  }

  private async handle(channel: Channel, message: ConsumeMessage): Promise<void> {
    const event = parseEvent(message.content);
    if (!event) {
      this.counts.rejected++;
      log('warn', 'not a posts.viewed event: rejected', { bytes: message.content.length });
      channel.nack(message, false, false);
      return;
    }
    try {
      await this.database.recordPostViews(event.postIds);
      this.counts.recorded++;
      channel.ack(message);
    } catch (error) {
      this.counts.requeued++;
      log('warn', 'recording post views failed: requeued', { error: String(error) });
      channel.nack(message, false, true);
    }
  }
}

/** The event, or undefined for anything else (malformed JSON, wrong shape, absurd sizes). */
export function parseEvent(content: Buffer): PostsViewed | undefined {
  try {
    const value = JSON.parse(content.toString('utf8')) as Partial<PostsViewed>;
    const ids = value.postIds;
    if (!Array.isArray(ids) || ids.length > 1_000 || !ids.every((id) => Number.isSafeInteger(id) && id > 0)) return undefined;
    if (!Number.isSafeInteger(value.authorId) || typeof value.viewedAt !== 'string') return undefined;
    return value as PostsViewed;
  } catch {
    return undefined;
  }
}
