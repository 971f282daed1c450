import { log } from '@demo/service-kit';
import { type Context, context, type Link, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
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

/** At most this many deliveries unacknowledged at once, and so in one batch. */
const PREFETCH = 20;

/** The name of a batch's span, as the messaging conventions name a process operation: "{operation} {destination}". */
export const BATCH_SPAN = `process ${VIEW_EVENTS_QUEUE}`;

interface Delivery {
  message: ConsumeMessage;
  event: PostsViewed;
  /** The delivery's context: the instrumentation's CONSUMER span, in the producer's trace. */
  context: Context;
}

/**
 * The consumer of posts.viewed, inside posts-service: counts each view in the database
 * (record_post_views). The amqplib instrumentation opens a CONSUMER span for each delivery, in
 * the producer's trace, and the database span is its child. The HTTP answer never waits for it.
 *
 * With `batchWindowMs` > 0 the deliveries of that window (at most PREFETCH) are recorded together,
 * in one transaction. A batch of one is recorded as above; a batch of several belongs to no single
 * request, so it gets a trace of its own: a CONSUMER span "process posts.viewed" with a link to
 * each message's producer, and record_post_views under it.
 */
export class ViewRecorder {
  readonly counts: RecorderCounts = { recorded: 0, rejected: 0, requeued: 0 };
  private readonly connection: BrokerConnection;
  private pending: Delivery[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    url: string,
    private readonly database: PostsDatabase,
    private readonly batchWindowMs = 0,
  ) {
    this.connection = new BrokerConnection(url, 'view-event consumer', (opened) => this.opened(opened));
  }

  start(): void {
    this.connection.start();
  }

  /** Stops consuming; a batch not yet recorded goes back to the queue with the connection. */
  stop(): Promise<void> {
    clearTimeout(this.timer);
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
    const delivery = { message, event, context: context.active() };
    if (this.batchWindowMs === 0) return this.record(channel, [delivery]);
    this.pending.push(delivery);
    if (this.pending.length >= PREFETCH) this.flush(channel);
    else this.timer ??= setTimeout(() => this.flush(channel), this.batchWindowMs);
  }

  private flush(channel: Channel): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending.splice(0);
    if (batch.length > 0) void this.record(channel, batch);
  }

  /** Records a batch (or one delivery) in one transaction, then acknowledges each message. */
  private async record(channel: Channel, batch: Delivery[]): Promise<void> {
    const write = () => this.database.recordPostViews(batch.flatMap((delivery) => delivery.event.postIds));
    try {
      if (batch.length === 1) await context.with((batch[0] as Delivery).context, write);
      else await inBatchTrace(batch, write);
      this.counts.recorded += batch.length;
      for (const { message } of batch) channel.ack(message);
    } catch (error) {
      this.counts.requeued += batch.length;
      log('warn', 'recording post views failed: requeued', { events: batch.length, error: String(error) });
      for (const { message } of batch) channel.nack(message, false, true);
    }
  }
}

/** Runs `write` in a new trace whose CONSUMER span links to the producer of each message in `batch`. */
function inBatchTrace(batch: Delivery[], write: () => Promise<void>): Promise<void> {
  const links: Link[] = batch.flatMap(({ message }) => {
    const producer = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, message.properties.headers ?? {}));
    return producer && trace.isSpanContextValid(producer) ? [{ context: producer }] : [];
  });
  const attributes = {
    'messaging.system': 'rabbitmq',
    'messaging.operation.type': 'process',
    'messaging.destination.name': VIEW_EVENTS_QUEUE,
    'messaging.batch.message_count': batch.length,
  };
  const tracer = trace.getTracer('posts-service');
  return tracer.startActiveSpan(BATCH_SPAN, { root: true, kind: SpanKind.CONSUMER, links, attributes }, async (span) => {
    try {
      await write();
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
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
