/**
 * posts.viewed when things go wrong (issue 30, item 5), with real processes and a real broker:
 * an event that fails every attempt, messages with hostile trace headers, and a broker restart
 * under steady load. The happy path and batches are in view-events.test.ts.
 */
import { DEMO_SERVICE_ENV, Stack } from '@demo/stack';
import { type ChannelModel, type ConfirmChannel, connect, type GetMessage } from 'amqplib';
import { traceIdOf } from './contract-matcher';
import { getTrace, type StoredSpan, waitForTrace } from './jaeger';
import { countDelivered, report, runLoad, sleep } from './load';
import { eventually, promQuery } from './prometheus';
import { describeWithBroker } from './rabbitmq';

const QUEUE = 'posts.viewed';
const DEAD_LETTERS = 'posts.viewed.dead';
/** The bound the service documents (docs/configuration.md): the first delivery and two redeliveries. */
const ATTEMPTS = 3;
const REQUEST_SPANS = 8;
/** PRODUCER, CONSUMER and record_post_views. */
const EVENT_SPANS = 3;
/** An event the consumer accepts; the posts are the seed's. */
const EVENT = JSON.stringify({ authorId: 1, postIds: [1, 11], viewedAt: '2026-12-04T10:00:00.000Z' });

/** The traces of posts-service holding a span with `messaging.message_id` = `messageId`. */
async function tracesOfMessage(jaegerUrl: string, messageId: string): Promise<StoredSpan[][]> {
  const query = new URLSearchParams({
    service: 'posts-service',
    tags: JSON.stringify({ 'messaging.message_id': messageId }),
    lookback: '1h',
    limit: '20',
  });
  const body = (await (await fetch(`${jaegerUrl}/api/traces?${query}`)).json()) as { data: { traceID: string }[] | null };
  return Promise.all((body.data ?? []).map((found) => getTrace(jaegerUrl, found.traceID)));
}

describeWithBroker('view-events-faults.test.ts')('posts.viewed under faults', () => {
  let stack: Stack;
  let connection: ChannelModel;
  let channel: ConfirmChannel | undefined;
  beforeAll(async () => {
    stack = await Stack.start({ ports: 'free', broker: true, serviceEnv: DEMO_SERVICE_ENV, startTimeoutMs: 60_000 });
  }, 120_000);
  /** The test's own connection, opened after the restart test restarted the broker. */
  const brokerChannel = async () => {
    if (!channel) {
      connection = await connect(stack.brokerUrl);
      channel = await connection.createConfirmChannel();
    }
    return channel;
  };
  afterAll(async () => {
    await connection?.close().catch(() => {});
    await stack?.stop();
  });

  test('a broker restart under steady load loses no event: every answered request is recorded, and the counts say so', async () => {
    const outcome = runLoad(stack.frontendUrl, { ratePerSec: 20, durationMs: 20_000, path: (index) => `/api/users/${(index % 10) + 1}` });
    await sleep(4_000);
    const restartBegun = performance.now();
    await stack.process('rabbitmq').stop(30_000);
    await stack.start('rabbitmq');
    const restartS = (performance.now() - restartBegun) / 1000;
    const outcomes = await outcome;
    const answered = outcomes.filter((sent) => sent.status === 200 && sent.traceId).map((sent) => sent.traceId as string);
    // Every answered request's trace ends with its record_post_views, however late.
    const delivered = await countDelivered(stack.jaegerUrl, answered, REQUEST_SPANS + EVENT_SPANS, 90_000);
    const counts = await eventually(
      async () =>
        Object.fromEntries(
          (await promQuery(stack.prometheusUrl, 'sum by (posts_view_event_outcome) (posts_view_events_total)')).map((series) => [
            series.metric.posts_view_event_outcome,
            Number(series.value[1]),
          ]),
        ) as Record<string, number>,
      // The suite's first test: every event so far is this load's.
      (seen) => (seen.recorded ?? 0) >= answered.length,
      30_000,
      'posts_view_events_total in Prometheus',
    );
    // Events that waited for the broker, at the peak: proof that the restart fell inside the load.
    const [peak] = await promQuery(stack.prometheusUrl, 'max(max_over_time(posts_view_events_buffered[5m]))');
    const figures = {
      sent: outcomes.length,
      bufferedAtPeak: Number(peak?.value[1] ?? 0),
      answered: answered.length,
      restartS: Number(restartS.toFixed(1)),
      tracesWhole: answered.length - delivered.incompleteTraces,
      lost: delivered.incompleteTraces,
      counts,
    };
    report('broker restart under load', figures, 'view-events report');
    expect({ failed: outcomes.length - answered.length, lost: delivered.incompleteTraces, dropped: counts.dropped ?? 0 }).toEqual({
      failed: 0,
      lost: 0,
      dropped: 0,
    });
    expect(figures.bufferedAtPeak).toBeGreaterThan(0);
    // Every confirmed event was recorded once; a resend the broker had already taken is a repeat, not a second view.
    expect({ recorded: counts.recorded, confirmed: counts.confirmed }).toEqual({ recorded: answered.length, confirmed: answered.length });
  }, 240_000);

  test(`an event that fails every attempt is tried ${ATTEMPTS} times, each attempt in the request's trace, then dead-lettered`, async () => {
    const response = await fetch(`${stack.frontendUrl}/api/users/3?fault=view-recorder:error=500`);
    expect(response.status).toBe(200);
    const traceId = traceIdOf(response.headers.get('traceresponse'));
    // Each attempt: a CONSUMER span and the injected_fault under it.
    const { spans } = await waitForTrace(stack.jaegerUrl, traceId, REQUEST_SPANS + 1 + 2 * ATTEMPTS, { timeoutMs: 20_000 });
    const producer = spans.find((span) => span.kind === 'PRODUCER');
    const attempts = spans.filter((span) => span.kind === 'CONSUMER').sort((a, b) => a.startUs - b.startUs);
    expect(
      attempts.map((span) => ({
        parent: span.parentSpanId,
        attempt: span.attributes['demo.delivery.attempt'],
        status: span.status,
        faults: spans.filter((child) => child.parentSpanId === span.spanId).map((child) => child.name),
      })),
    ).toEqual([1, 2, 3].map((attempt) => ({ parent: producer?.spanId, attempt, status: 'ERROR', faults: ['injected_fault'] })));
    expect(spans.filter((span) => span.name === 'record_post_views')).toEqual([]);

    // The broker moved it to the dead-letter queue, trace context and all.
    const dead = await eventually(
      async () => (await brokerChannel()).get(DEAD_LETTERS, { noAck: true }),
      (message): message is GetMessage => message !== false,
      10_000,
      `a message in ${DEAD_LETTERS}`,
    );
    const headers = (dead as GetMessage).properties.headers ?? {};
    expect({ reason: headers['x-first-death-reason'], traceparent: String(headers.traceparent).split('-')[1] }).toEqual({
      reason: 'delivery_limit',
      traceparent: traceId,
    });
    expect(JSON.parse((dead as GetMessage).content.toString())).toMatchObject({ authorId: 3 });
    report('dead letter', { attempts: attempts.length, reason: headers['x-first-death-reason'] }, 'view-events report');
  }, 60_000);

  test.each([
    ['no headers at all', undefined],
    ['a malformed traceparent', { traceparent: 'not-a-traceparent' }],
    ['an all-zero trace id', { traceparent: '00-00000000000000000000000000000000-0000000000000000-01' }],
    ['a 60 kB traceparent', { traceparent: `00-${'a'.repeat(60_000)}` }],
    ['a traceparent that is not a string', { traceparent: 12_345, tracestate: { nested: 'table' } }],
    ['60 kB of baggage in 4000 entries', { baggage: Array.from({ length: 4_000 }, (_, index) => `k${index}=${'v'.repeat(9)}`).join(',') }],
    ['a baggage of one 60 kB value', { baggage: `big=${'v'.repeat(60_000)}` }],
  ])('a message with %s is recorded, in a trace of its own', async (what, headers) => {
    const messageId = `hostile-${what.replaceAll(' ', '-')}-${Date.now()}`;
    const publisher = await brokerChannel();
    publisher.sendToQueue(QUEUE, Buffer.from(EVENT), { messageId, headers, contentType: 'application/json' });
    await publisher.waitForConfirms();
    const [spans] = await eventually(
      () => tracesOfMessage(stack.jaegerUrl, messageId),
      (found) => (found[0]?.length ?? 0) >= 2,
      15_000,
      `the trace of message ${messageId}`,
    );
    const consumer = spans?.find((span) => span.kind === 'CONSUMER');
    expect({
      consumerIsRoot: consumer?.parentSpanId ?? null,
      recorded: spans?.filter((span) => span.name === 'record_post_views' && span.parentSpanId === consumer?.spanId).length,
      status: consumer?.status,
      spans: spans?.length,
    }).toEqual({ consumerIsRoot: null, recorded: 1, status: 'UNSET', spans: 2 });
    expect(stack.process('posts-service').isRunning).toBe(true);
  });

  test('after the hostile messages, a request still gets its whole trace: PRODUCER -> CONSUMER -> record_post_views', async () => {
    const response = await fetch(`${stack.frontendUrl}/api/users/4`);
    expect(response.status).toBe(200);
    const traceId = traceIdOf(response.headers.get('traceresponse'));
    const { spans } = await waitForTrace(stack.jaegerUrl, traceId, REQUEST_SPANS + EVENT_SPANS, { timeoutMs: 20_000 });
    expect(spans.filter((span) => span.name === 'record_post_views')).toHaveLength(1);
  }, 30_000);

  test('posts-service logged each failed attempt, and said where the last one went', () => {
    const lines = stack
      .process('posts-service')
      .fullLogs()
      .split('\n')
      .filter((line) => line.includes('recording post views failed'));
    expect(lines.filter((line) => line.includes('redelivered')).length).toBeGreaterThanOrEqual(ATTEMPTS - 1);
    expect(lines.filter((line) => line.includes(`moved to ${DEAD_LETTERS}`)).length).toBeGreaterThanOrEqual(1);
  });

  test('a queue of the same name with other arguments (an older version made it): one error line with the fix, and requests still answer', async () => {
    await stack.process('posts-service').stop(10_000);
    const admin = await brokerChannel();
    await admin.deleteQueue(QUEUE);
    await admin.assertQueue(QUEUE, { durable: true });
    await stack.start('posts-service');
    const response = await fetch(`${stack.frontendUrl}/api/users/5`);
    expect(response.status).toBe(200);
    const refused = await eventually(
      () =>
        stack
          .process('posts-service')
          .logs.split('\n')
          .filter((line) => line.includes('the broker refused the view-event queues')),
      (lines) => lines.length >= 2,
      10_000,
      "posts-service's error line, from the publisher and the consumer",
    );
    const lines = refused.map((line) => JSON.parse(line) as { level: string; role: string; fix: string });
    expect(lines.map(({ level, role, fix }) => [level, role, fix.includes(`delete_queue ${QUEUE}`)]).sort()).toEqual([
      ['error', 'view-event consumer', true],
      ['error', 'view-event publisher', true],
    ]);
  }, 60_000);
});
