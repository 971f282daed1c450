import { injectFault, log, withSpan } from '@demo/service-kit';
import { type Context, context, type Link, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { assertViewEventQueues, BrokerConnection, DEAD_VIEW_EVENTS_QUEUE, MAX_ATTEMPTS, VIEW_EVENTS_QUEUE } from './broker-connection';
import type { PostsDatabase } from './database';
import type { PostsViewed } from './view-events';

export interface RecorderCounts {
  /** Recorded in the database, and acknowledged. */
  recorded: number;
  /** Acknowledged without recording: a repeat of a message id already recorded. */
  repeats: number;
  /** An attempt failed (the database, or an injected fault): handed back for another, or dead-lettered after MAX_ATTEMPTS. */
  failedAttempts: number;
  /** Not a posts.viewed event: dead-lettered at once, logged. */
  rejected: number;
}

/** At most this many deliveries unacknowledged at once, and so in one batch. */
const PREFETCH = 20;

/** The name faults address the consumer by: `?fault=view-recorder:error=500` fails every attempt at that request's event. */
export const RECORDER_FAULT_TARGET = 'view-recorder';

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
 * A failed attempt is handed back to the broker, which redelivers it at most MAX_ATTEMPTS times in
 * all and then moves it to posts.viewed.dead; each attempt is a CONSUMER span of its own, in the
 * producer's trace. A message that is not an event goes to posts.viewed.dead at once.
 *
 * With `batchWindowMs` > 0 the deliveries of that window (at most PREFETCH) are recorded together,
 * in one transaction. A batch of one is recorded as above; a batch of several belongs to no single
 * request, so it gets a trace of its own: a CONSUMER span "process posts.viewed" with a link to
 * each message's producer, and record_post_views under it.
 */
export class ViewRecorder {
  readonly counts: RecorderCounts = { recorded: 0, repeats: 0, failedAttempts: 0, rejected: 0 };
  private readonly connection: BrokerConnection;
  private pending: Delivery[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    url: string,
    private readonly database: PostsDatabase,
    private readonly options: { batchWindowMs?: number; faultInjection?: boolean } = {},
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
    await assertViewEventQueues(channel);
    await channel.prefetch(PREFETCH);
    await channel.consume(VIEW_EVENTS_QUEUE, (message) => {
      if (message) this.handle(channel, message).catch((error: unknown) => unexpected('handling a view event', error));
    });
  }

  private async handle(channel: Channel, message: ConsumeMessage): Promise<void> {
    const event = parseEvent(message.content);
    if (!event) {
      this.counts.rejected++;
      log('warn', `not a posts.viewed event: moved to ${DEAD_VIEW_EVENTS_QUEUE}`, { bytes: message.content.length });
      settle(() => channel.nack(message, false, false));
      return;
    }
    const delivery = { message, event, context: context.active() };
    trace.getActiveSpan()?.setAttribute('demo.delivery.attempt', attemptOf(message));
    try {
      await injectFault(RECORDER_FAULT_TARGET, this.options.faultInjection ?? false);
    } catch (error) {
      return this.failed(channel, [delivery], error);
    }
    if (!this.options.batchWindowMs) return this.record(channel, [delivery]);
    this.pending.push(delivery);
    if (this.pending.length >= PREFETCH) this.flush(channel);
    else this.timer ??= setTimeout(() => this.flush(channel), this.options.batchWindowMs);
  }

  private flush(channel: Channel): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending.splice(0);
    if (batch.length > 0) this.record(channel, batch).catch((error: unknown) => unexpected('recording a batch', error));
  }

  /** Records a batch (or one delivery) in one transaction, then acknowledges each message. */
  private async record(channel: Channel, batch: Delivery[]): Promise<void> {
    const events = batch.map(({ message, event }) => ({ messageId: message.properties.messageId, postIds: event.postIds }));
    const write = () => this.database.recordPostViews(events);
    let repeats: number;
    try {
      repeats = batch.length === 1 ? await context.with((batch[0] as Delivery).context, write) : await inBatchTrace(batch, write);
    } catch (error) {
      return this.failed(channel, batch, error);
    }
    this.counts.recorded += batch.length - repeats;
    this.counts.repeats += repeats;
    for (const { message } of batch) settle(() => channel.ack(message));
  }

  /** Hands the deliveries back: the broker redelivers each, or dead-letters it after its last attempt. */
  private failed(channel: Channel, batch: Delivery[], error: unknown): void {
    this.counts.failedAttempts += batch.length;
    for (const { message } of batch) {
      const attempt = attemptOf(message);
      const next = attempt < MAX_ATTEMPTS ? 'redelivered' : `moved to ${DEAD_VIEW_EVENTS_QUEUE}`;
      log('warn', `recording post views failed: ${next}`, { attempt, maxAttempts: MAX_ATTEMPTS, error: String(error) });
      settle(() => channel.nack(message, false, true));
    }
  }
}

/**
 * Acks or nacks a delivery. On a channel that closed meanwhile (the broker restarting) it throws;
 * there is nothing left to settle then: the broker hands every unsettled delivery out again, and
 * one already recorded comes back as a repeat of its message id.
 */
function settle(action: () => void): void {
  try {
    action();
  } catch (error) {
    if (!(error instanceof Error && error.name === 'IllegalOperationError')) throw error;
  }
}

/** A failure nothing above expected: logged, never a crash of the service. */
function unexpected(what: string, error: unknown): void {
  log('error', `${what} failed unexpectedly`, { error: String(error) });
}

/** 1 for a first delivery; the quorum queue counts the redeliveries in x-delivery-count. */
function attemptOf(message: ConsumeMessage): number {
  const redeliveries = Number(message.properties.headers?.['x-delivery-count'] ?? 0);
  return (Number.isSafeInteger(redeliveries) && redeliveries > 0 ? redeliveries : 0) + 1;
}

/** Runs `write` in a new trace whose CONSUMER span links to the producer of each message in `batch`. */
function inBatchTrace<T>(batch: Delivery[], write: () => Promise<T>): Promise<T> {
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
  // "{operation} {destination}", as the messaging conventions name a span.
  return withSpan(`process ${VIEW_EVENTS_QUEUE}`, attributes, write, { kind: SpanKind.CONSUMER, root: true, links });
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
