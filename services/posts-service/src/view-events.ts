import { randomUUID } from 'node:crypto';
import { log } from '@demo/service-kit';
import { type Context, context } from '@opentelemetry/api';
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import { assertViewEventQueues, BrokerConnection, VIEW_EVENTS_QUEUE } from './broker-connection';

/** What posts-service tells the broker each time it serves a user's posts. */
export interface PostsViewed {
  authorId: number;
  postIds: number[];
  viewedAt: string;
}

export interface PublisherCounts {
  /** Sent to the broker, resends included. */
  published: number;
  /** Confirmed by the broker: on disk in its durable queue. */
  confirmed: number;
  /** Sent, but refused by the broker or cut off with its connection before the confirm: sent again. */
  resent: number;
  /** Never sent: the buffer was full while the broker was unreachable. */
  dropped: number;
}

interface Pending {
  event: PostsViewed;
  /** The message id: the same on a resend, so that the consumer records an event once. */
  messageId: string;
  /** The request's context, so that the PRODUCER span sent later still belongs to its trace. */
  context: Context;
}

/**
 * Publishes posts.viewed events with publisher confirms, off the request path: publish() returns
 * at once and never throws. An event counts as delivered only once the broker confirms it; until
 * then it is kept, and sent again on the next connection if this one fails (at least once: the
 * consumer drops a repeat by its message id). While the broker is unreachable events wait in a
 * buffer of at most `bufferLimit`; beyond it they are dropped, counted and logged (one line an
 * outage), never silently.
 */
export class ViewEventPublisher {
  readonly counts: PublisherCounts = { published: 0, confirmed: 0, resent: 0, dropped: 0 };
  private channel?: ConfirmChannel;
  private readonly buffer: Pending[] = [];
  private readonly unconfirmed = new Set<Pending>();
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
      () => this.lost(),
    );
  }

  /** Events waiting for the broker. */
  get buffered(): number {
    return this.buffer.length;
  }

  start(): void {
    this.connection.start();
  }

  publish(event: PostsViewed): void {
    const pending = { event, messageId: randomUUID(), context: context.active() };
    if (this.channel) this.send(this.channel, pending);
    else this.hold(pending);
  }

  /** Waits (at most `timeoutMs`) for the broker to confirm what was sent, then closes. */
  async stop(timeoutMs = 2_000): Promise<void> {
    const channel = this.channel;
    if (channel) await Promise.race([channel.waitForConfirms().catch(() => {}), new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
    await this.connection.stop();
    const unsent = this.buffer.length + this.unconfirmed.size;
    if (unsent > 0) log('warn', 'view events never confirmed: the broker was unreachable until shutdown', { events: unsent });
  }

  private async opened(connection: ChannelModel): Promise<void> {
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => {});
    await assertViewEventQueues(channel);
    this.channel = channel;
    if (this.droppedThisOutage > 0)
      log('warn', 'view events dropped while the broker was unreachable', { dropped: this.droppedThisOutage });
    this.droppedThisOutage = 0;
    for (const pending of this.buffer.splice(0)) this.send(channel, pending);
  }

  /** The connection is gone: what it left unconfirmed goes first in line for the next one. */
  private lost(): void {
    this.channel = undefined;
    this.resend([...this.unconfirmed]);
  }

  private send(channel: ConfirmChannel, pending: Pending): void {
    const body = Buffer.from(JSON.stringify(pending.event));
    const options = { persistent: true, contentType: 'application/json', messageId: pending.messageId };
    context.with(pending.context, () => {
      try {
        this.unconfirmed.add(pending);
        channel.sendToQueue(VIEW_EVENTS_QUEUE, body, options, (error) => {
          if (!this.unconfirmed.delete(pending)) return;
          if (error) this.resend([pending]);
          else this.counts.confirmed++;
        });
        this.counts.published++;
      } catch {
        // The channel closed under us: keep the event for the next connection.
        this.unconfirmed.delete(pending);
        this.hold(pending);
      }
    });
  }

  private resend(events: Pending[]): void {
    for (const pending of events) {
      this.unconfirmed.delete(pending);
      this.counts.resent++;
      if (this.channel) this.send(this.channel, pending);
      else this.hold(pending);
    }
  }

  private hold(pending: Pending): void {
    if (this.buffer.length >= this.bufferLimit) {
      this.counts.dropped++;
      if (this.droppedThisOutage++ === 0)
        log('warn', 'view-event buffer full: dropping events until the broker is back', { bufferLimit: this.bufferLimit });
      return;
    }
    this.buffer.push(pending);
  }
}
