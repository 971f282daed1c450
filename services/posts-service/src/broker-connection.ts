import { log } from '@demo/service-kit';
import { type Channel, type ChannelModel, connect } from 'amqplib';

/** The queue of posts-service's view events: durable, so that a broker restart keeps what it holds. */
export const VIEW_EVENTS_QUEUE = 'posts.viewed';
/** Where the broker moves an event that failed every attempt, or was not an event at all. */
export const DEAD_VIEW_EVENTS_QUEUE = 'posts.viewed.dead';
/** The dead letters kept: the newest this many. */
const DEAD_LETTERS_KEPT = 10_000;
/** Attempts at an event: the first delivery and MAX_ATTEMPTS - 1 redeliveries. */
export const MAX_ATTEMPTS = 3;

/**
 * Declares the view-event queues, the same from the publisher and the consumer. A quorum queue,
 * because it counts redeliveries (the x-delivery-count header) and dead-letters a message past
 * its x-delivery-limit, so the bound holds even when a consumer crashes mid-attempt. Queue
 * arguments cannot change once a queue exists: a new bound needs a new queue.
 */
export async function assertViewEventQueues(channel: Channel): Promise<void> {
  // Kept for someone to look at, but bounded: past DEAD_LETTERS_KEPT, the oldest go.
  await channel.assertQueue(DEAD_VIEW_EVENTS_QUEUE, { durable: true, arguments: { 'x-max-length': DEAD_LETTERS_KEPT } });
  await channel.assertQueue(VIEW_EVENTS_QUEUE, {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-delivery-limit': MAX_ATTEMPTS - 1,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': DEAD_VIEW_EVENTS_QUEUE,
    },
  });
}

/**
 * One AMQP connection to the broker, kept open: opened in the background, opened again (after
 * RECONNECT_MS) whenever it fails or closes, until stop(). `onOpen` sets up the channels of the
 * connection just opened; `onLost` is told when it is gone. Nothing here ever throws at its caller.
 */
export class BrokerConnection {
  static readonly RECONNECT_MS = 1_000;
  private connection?: ChannelModel;
  private stopped = false;
  private outage = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly url: string,
    private readonly role: string,
    private readonly onOpen: (connection: ChannelModel) => Promise<void>,
    private readonly onLost: () => void = () => {},
  ) {}

  start(): void {
    void this.open();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.connection?.close().catch(() => {});
    this.connection = undefined;
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    try {
      const connection = await connect(this.url);
      connection.on('error', () => {});
      connection.on('close', () => this.lost('the connection closed'));
      this.connection = connection;
      await this.onOpen(connection);
      if (this.outage) log('info', 'broker reachable again', { role: this.role });
      this.outage = false;
    } catch (error) {
      // Closed quietly, so that the line below names the failure, not the close that followed it.
      this.connection?.removeAllListeners('close');
      await this.connection?.close().catch(() => {});
      this.lost(String(error));
    }
  }

  private lost(reason: string): void {
    this.connection = undefined;
    this.onLost();
    if (this.stopped) return;
    // One line an outage, not one a retry.
    if (!this.outage) logOutage(this.role, reason);
    this.outage = true;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.open(), BrokerConnection.RECONNECT_MS);
  }
}

/**
 * An outage's one line. A queue declared with other arguments than the broker already holds
 * (PRECONDITION_FAILED: a queue an older version made) never heals by retrying: an error, with the fix.
 */
function logOutage(role: string, reason: string): void {
  if (reason.includes('PRECONDITION_FAILED')) {
    log('error', 'the broker refused the view-event queues: one exists with other arguments; retrying will not help', {
      role,
      reason,
      fix: `delete the queue (rabbitmqctl delete_queue ${VIEW_EVENTS_QUEUE}), or start the broker afresh (pnpm demo --wipe)`,
    });
    return;
  }
  log('warn', 'broker unreachable, retrying', { role, reason, retryMs: BrokerConnection.RECONNECT_MS });
}
