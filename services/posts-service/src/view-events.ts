import { log } from '@demo/service-kit';
import { type Context, context } from '@opentelemetry/api';
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { BrokerConnection, VIEW_EVENTS_QUEUE } from './broker-connection';

/** What posts-service tells the broker each time it serves a user's posts. */
export interface PostsViewed {
  authorId: number;
  postIds: number[];
  viewedAt: string;
}

export interface PublisherCounts {
  /** Handed to the broker. */
  published: number;
  /** Confirmed by the broker: on disk in its durable queue. */
  confirmed: number;
  /** Refused by the broker (a nack), or lost with the connection before its confirm. */
  unconfirmed: number;
  /** Never sent: the buffer was full while the broker was unreachable. */
  dropped: number;
  /** Waiting in the buffer for the broker. */
  buffered: number;
}

interface Pending {
  event: PostsViewed;
  /** The request's context, so that the PRODUCER span sent later still belongs to its trace. */
  context: Context;
}

/**
 * Publishes posts.viewed events with publisher confirms, off the request path: publish() returns
 * at once and never throws. While the broker is unreachable events wait in a buffer of at most
 * `bufferLimit`; beyond it they are dropped, counted and logged (one line an outage), never silently.
 */
export class ViewEventPublisher {
  readonly counts: PublisherCounts = { published: 0, confirmed: 0, unconfirmed: 0, dropped: 0, buffered: 0 };
  private channel?: ConfirmChannel;
  private readonly buffer: Pending[] = [];
  private droppedThisOutage = 0;
  private readonly connection: BrokerConnection;

  constructor(
    url: string,
    private readonly bufferLimit = 1_000,
  ) {
    this.connection = new BrokerConnection(
      url,
      'view-event publisher',
      (opened) => this.opened(opened),
      () => {
        this.channel = undefined;
      },
    );
  }

  start(): void {
    this.connection.start();
  }

  publish(event: PostsViewed): void {
    const pending = { event, context: context.active() };
    if (this.channel) this.send(this.channel, pending);
    else this.hold(pending);
  }

  /** Waits (at most `timeoutMs`) for the broker to confirm what was sent, then closes. */
  async stop(timeoutMs = 2_000): Promise<void> {
    const channel = this.channel;
    if (channel) await Promise.race([channel.waitForConfirms().catch(() => {}), new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
    await this.connection.stop();
    if (this.buffer.length > 0)
      log('warn', 'view events never sent: the broker was unreachable until shutdown', { events: this.buffer.length });
  }

  private async opened(connection: ChannelModel): Promise<void> {
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => {});
    await channel.assertQueue(VIEW_EVENTS_QUEUE, { durable: true });
    this.channel = channel;
    if (this.droppedThisOutage > 0)
      log('warn', 'view events dropped while the broker was unreachable', { dropped: this.droppedThisOutage });
    this.droppedThisOutage = 0;
    for (const pending of this.buffer.splice(0)) this.send(channel, pending);
    this.counts.buffered = 0;
  }

  private send(channel: ConfirmChannel, { event, context: requestContext }: Pending): void {
    const body = Buffer.from(JSON.stringify(event));
    context.with(requestContext, () => {
      try {
        channel.sendToQueue(VIEW_EVENTS_QUEUE, body, { persistent: true, contentType: 'application/json' }, (error) => {
          if (error) this.counts.unconfirmed++;
          else this.counts.confirmed++;
        });
        this.counts.published++;
      } catch {
        // The channel closed under us: keep the event for the next connection.
        this.hold({ event, context: requestContext });
      }
    });
  }

  private hold(pending: Pending): void {
    if (this.buffer.length >= this.bufferLimit) {
      this.counts.dropped++;
      if (this.droppedThisOutage++ === 0)
        log('warn', 'view-event buffer full: dropping events until the broker is back', { bufferLimit: this.bufferLimit });
      return;
    }
    this.buffer.push(pending);
    this.counts.buffered = this.buffer.length;
  }
}
