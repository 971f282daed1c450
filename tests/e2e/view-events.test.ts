/**
 * The third carrier, first part (issue 30, in progress): when posts-service serves a user's posts
 * it publishes a posts.viewed event to RabbitMQ, and its consumer records the views. The trace
 * context rides in the message's headers (the amqplib instrumentation), so the request's trace
 * goes on past its response: PRODUCER, then CONSUMER, then record_post_views. Real processes and
 * a real broker; the stack runs the broker only when asked (StackOptions.broker), as the other
 * modes do not have it yet.
 */
import { Stack } from '@demo/stack';
import { traceIdOf } from './contract-matcher';
import { describe as describeSpans, type StoredSpan, waitForTrace } from './jaeger';
import { report } from './load';
import { describeWithBroker } from './rabbitmq';

/** The request's own spans (frontend, users-service, posts-service over HTTP), then the three of the event. */
const REQUEST_SPANS = 8;
const EVENT_SPANS = 3;

const only = (spans: StoredSpan[], predicate: (span: StoredSpan) => boolean) => {
  const found = spans.filter(predicate);
  if (found.length !== 1) throw new Error(`expected one span, found ${found.length}: ${describeSpans(spans)}`);
  return found[0] as StoredSpan;
};

describeWithBroker('view-events.test.ts')('posts.viewed through RabbitMQ', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({ ports: 'free', broker: true, startTimeoutMs: 60_000 });
  }, 120_000);
  afterAll(() => stack?.stop());

  test('the request answers, and its trace goes on past the response: PRODUCER -> CONSUMER -> record_post_views', async () => {
    const response = await fetch(`${stack.frontendUrl}/api/users/1`);
    expect(response.status).toBe(200);
    const traceId = traceIdOf(response.headers.get('traceresponse'));
    const { spans } = await waitForTrace(stack.jaegerUrl, traceId, REQUEST_SPANS + EVENT_SPANS, { timeoutMs: 20_000 });
    expect(spans).toHaveLength(REQUEST_SPANS + EVENT_SPANS);

    const postsServer = only(spans, (span) => span.service === 'posts-service' && span.kind === 'SERVER');
    const producer = only(spans, (span) => span.kind === 'PRODUCER');
    const consumer = only(spans, (span) => span.kind === 'CONSUMER');
    const record = only(spans, (span) => span.name === 'record_post_views');
    expect({ service: producer.service, parentIsTheRequest: spans.some((span) => span.spanId === producer.parentSpanId) }).toEqual({
      service: 'posts-service',
      parentIsTheRequest: true,
    });
    expect({ service: consumer.service, parent: consumer.parentSpanId }).toEqual({ service: 'posts-service', parent: producer.spanId });
    expect({ parent: record.parentSpanId, kind: record.kind, status: record.status }).toEqual({
      parent: consumer.spanId,
      kind: 'INTERNAL',
      status: 'UNSET',
    });
    expect(producer.attributes).toMatchObject({ 'messaging.system': 'rabbitmq' });
    expect(record.attributes).toMatchObject({ 'db.operation.name': 'INSERT', 'db.collection.name': 'post_views' });
    // The request does not wait for the consumer.
    expect(producer.startUs).toBeLessThan(postsServer.endUs);
    report(
      'posts.viewed, as Jaeger stores it',
      {
        producer: { name: producer.name, attributes: producer.attributes },
        consumer: { name: consumer.name, attributes: consumer.attributes },
        record: { name: record.name },
        recordEndsAfterResponseUs: record.endUs - postsServer.endUs,
      },
      'view-events report',
    );
  }, 60_000);

  test('the request answers within its usual bound while the broker is down, and the event is sent once it is back', async () => {
    await stack.process('rabbitmq').stop(30_000);
    const started = performance.now();
    const response = await fetch(`${stack.frontendUrl}/api/users/2`);
    const answeredMs = performance.now() - started;
    expect(response.status).toBe(200);
    expect(answeredMs).toBeLessThan(2_000);
    const traceId = traceIdOf(response.headers.get('traceresponse'));
    await stack.start('rabbitmq');
    // The buffered event goes out on the new connection, in the request's trace.
    const { spans } = await waitForTrace(stack.jaegerUrl, traceId, REQUEST_SPANS + EVENT_SPANS, { timeoutMs: 30_000 });
    expect(spans.filter((span) => span.kind === 'PRODUCER' || span.kind === 'CONSUMER' || span.name === 'record_post_views')).toHaveLength(
      3,
    );
    report('broker down', { answeredMs: Math.round(answeredMs), spans: spans.length }, 'view-events report');
  }, 120_000);
});
