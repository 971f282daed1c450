/** withSpan with a real in-memory SDK (no require hooks are needed for manual spans). */
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { withSpan } from '../src';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
});

/** The simple processor hands spans to the exporter asynchronously. */
async function finishedSpans() {
  await provider.forceFlush();
  return exporter.getFinishedSpans();
}
afterEach(() => exporter.reset());

test('a synchronous success ends the span with its attributes and UNSET status', async () => {
  expect(withSpan('fetch_user_from_db', { 'db.operation.name': 'SELECT' }, () => 42)).toBe(42);
  const [span] = await finishedSpans();
  expect(span?.name).toBe('fetch_user_from_db');
  expect(span?.attributes['db.operation.name']).toBe('SELECT');
  expect(span?.status.code).toBe(SpanStatusCode.UNSET);
});

test('an async failure is recorded, the span ends, and the error is re-thrown', async () => {
  await expect(withSpan('load', {}, async () => Promise.reject(new TypeError('disk on fire')))).rejects.toThrow('disk on fire');
  const [span] = await finishedSpans();
  expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'disk on fire' });
  expect(span?.attributes['error.type']).toBe('TypeError');
  expect(span?.events.map((event) => event.name)).toEqual(['exception']);
});

test('spans opened inside are its children', async () => {
  withSpan('outer', {}, () => withSpan('inner', {}, () => undefined));
  const [inner, outer] = await finishedSpans();
  expect(inner?.parentSpanContext?.spanId).toBe(outer?.spanContext().spanId);
});

test('a root CONSUMER span with links starts a new trace inside an active one, and keeps its links', async () => {
  const linked = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 };
  withSpan('request', {}, () =>
    withSpan('process posts.viewed', {}, () => undefined, { kind: SpanKind.CONSUMER, root: true, links: [{ context: linked }] }),
  );
  const [batch, request] = await finishedSpans();
  expect(batch?.kind).toBe(SpanKind.CONSUMER);
  expect(batch?.parentSpanContext).toBeUndefined();
  expect(batch?.spanContext().traceId).not.toBe(request?.spanContext().traceId);
  expect(batch?.links.map((link) => link.context)).toEqual([linked]);
});
