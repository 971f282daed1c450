/**
 * The third carrier, first part (issue 30, in progress): when posts-service serves a user's posts
 * it publishes a posts.viewed event to RabbitMQ, and its consumer records the views. The trace
 * context rides in the message's headers (the amqplib instrumentation), so the request's trace
 * goes on past its response: PRODUCER, then CONSUMER, then record_post_views. Real processes and
 * a real broker; the stack runs the broker only when asked (StackOptions.broker), as the other
 * modes do not have it yet.
 */
import { Stack } from '@demo/stack';
import { contractViolations, traceIdOf } from './contract-matcher';
import { describe as describeSpans, type StoredSpan, waitForTrace } from './jaeger';
import { report } from './load';
import { describeWithBroker } from './rabbitmq';
import { EVENT_CONTRACTS, viewInABatchContract, viewRecordedAloneContract } from './trace-contracts';

/** A batch's span, named as the messaging conventions name a process operation: "{operation} {destination}". */
const BATCH_SPAN = 'process posts.viewed';

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
    expect(contractViolations(EVENT_CONTRACTS.viewRecordedAlone, spans)).toEqual([]);

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
    // And the bootstrap's self-check sees amqplib patched: no warning that it is not.
    expect(stack.process('posts-service').fullLogs()).not.toContain('is in use but not instrumented');
    // publish() returns at once, so the PRODUCER span may start after the response has gone: no
    // order against the SERVER span is promised (CI saw it start 1 ms after). The consumer's work
    // follows its message. That the answer never waits for the broker is the next test's point.
    expect(consumer.startUs).toBeGreaterThanOrEqual(producer.startUs);
    expect(record.startUs).toBeGreaterThanOrEqual(consumer.startUs);
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
    // The same contract as with the broker up: the PRODUCER span, sent late, still hangs under the request.
    expect(contractViolations(viewRecordedAloneContract(2), spans)).toEqual([]);
    report('broker down', { answeredMs: Math.round(answeredMs), spans: spans.length }, 'view-events report');
  }, 120_000);
});

/** The ids of posts-service's traces holding a span named `operation`, newest first. */
async function tracesWith(jaegerUrl: string, operation: string): Promise<string[]> {
  const query = new URLSearchParams({ service: 'posts-service', operation, lookback: '1h', limit: '50' });
  const body = (await (await fetch(`${jaegerUrl}/api/traces?${query}`)).json()) as { data: { traceID: string }[] | null };
  return (body.data ?? []).map((found) => found.traceID);
}

describeWithBroker('view-events.test.ts')('posts.viewed consumed in batches (VIEW_EVENTS_BATCH_MS)', () => {
  const REQUESTS = 6;
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({
      ports: 'free',
      broker: true,
      startTimeoutMs: 60_000,
      envFor: { 'posts-service': { VIEW_EVENTS_BATCH_MS: '1000' } },
    });
  }, 120_000);
  afterAll(() => stack?.stop());

  test('a batch of several gets a trace of its own, linked to each producer; each request trace keeps its PRODUCER and CONSUMER', async () => {
    const responses = await Promise.all(
      Array.from({ length: REQUESTS }, (_, index) => fetch(`${stack.frontendUrl}/api/users/${index + 1}`)),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(REQUESTS).fill(200));
    const requestTraces = responses.map((response) => traceIdOf(response.headers.get('traceresponse')));
    // Each request's trace: its 8 spans and PRODUCER and CONSUMER; record_post_views only if its event was alone in its window.
    const producers = new Map<string, string>();
    let recordedAlone = 0;
    for (const traceId of requestTraces) {
      const { spans } = await waitForTrace(stack.jaegerUrl, traceId, REQUEST_SPANS + 2, { timeoutMs: 20_000 });
      producers.set(traceId, only(spans, (span) => span.kind === 'PRODUCER').spanId);
      const alone = spans.some((span) => span.name === 'record_post_views');
      const userId = requestTraces.indexOf(traceId) + 1;
      const contract = alone ? viewRecordedAloneContract(userId) : viewInABatchContract(userId);
      expect(contractViolations(contract, spans)).toEqual([]);
      recordedAlone += alone ? 1 : 0;
    }
    // The batches: every producer not recorded alone is linked from exactly one of them.
    const linked: { traceId: string; spanId: string }[] = [];
    const sizes: number[] = [];
    const deadline = Date.now() + 20_000;
    while (linked.length + recordedAlone < REQUESTS && Date.now() < deadline) {
      linked.length = 0;
      sizes.length = 0;
      for (const traceId of await tracesWith(stack.jaegerUrl, BATCH_SPAN)) {
        const { spans } = await waitForTrace(stack.jaegerUrl, traceId, 2);
        expect(contractViolations(EVENT_CONTRACTS.batch, spans)).toEqual([]);
        const batch = only(spans, (span) => span.name === BATCH_SPAN);
        expect(batch.attributes['messaging.batch.message_count']).toBe(batch.links.length);
        linked.push(...batch.links.filter((link) => requestTraces.includes(link.traceId)));
        sizes.push(batch.links.length);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(linked.length + recordedAlone).toBe(REQUESTS);
    for (const link of linked) expect(link.spanId).toBe(producers.get(link.traceId));
    expect(Math.max(...sizes)).toBeGreaterThan(1);
    report('batches', { requests: REQUESTS, batchSizes: sizes, recordedAlone, linksToProducers: linked.length }, 'view-events report');
  }, 120_000);
});
