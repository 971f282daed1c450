import type { StoredSpan } from '../src/jaeger-api';
import { orderSpans, renderWaterfall } from '../src/waterfall';

const TRACE = 'a'.repeat(32);

function span(spanId: string, parentSpanId: string | null, startMs: number, endMs: number, extra: Partial<StoredSpan> = {}): StoredSpan {
  return {
    spanId,
    parentSpanId,
    traceId: TRACE,
    service: 'svc',
    resource: {},
    name: `span-${spanId}`,
    kind: 'INTERNAL',
    status: 'UNSET',
    attributes: {},
    events: [],
    startUs: startMs * 1000,
    endUs: endMs * 1000,
    links: [],
    ...extra,
  };
}

test('orders parents before children and siblings by start time, whatever order Jaeger returns', () => {
  const spans = [span('c2', 'root', 5, 9), span('gc', 'c1', 2, 3), span('root', null, 0, 10), span('c1', 'root', 1, 4)];
  expect(orderSpans(spans).map((row) => `${row.depth}:${row.span.spanId}`)).toEqual(['0:root', '1:c1', '2:gc', '1:c2']);
});

test('siblings stamped with the same start (one millisecond): the one that ended first comes first', () => {
  // validate_post_permissions then fetch_posts_from_db, in the order Jaeger may return them.
  const spans = [span('root', null, 0, 20), span('fetch', 'root', 1, 12), span('validate', 'root', 1, 1.0005)];
  expect(orderSpans(spans).map((row) => row.span.spanId)).toEqual(['root', 'validate', 'fetch']);
});

test('a span whose parent is missing from the trace is drawn at the root, not dropped', () => {
  const rows = orderSpans([span('root', null, 0, 10), span('orphan', 'gone', 3, 4)]);
  expect(rows.map((row) => [row.span.spanId, row.depth])).toEqual([
    ['root', 0],
    ['orphan', 0],
  ]);
});

test('bars share one time axis: offset and length follow start and duration', () => {
  const lines = renderWaterfall([span('root', null, 0, 100), span('late', 'root', 50, 75)], { barWidth: 20 }).split('\n');
  const bar = (line: string | undefined) => /\|(.*)\|/.exec(line ?? '')?.[1];
  expect(bar(lines[1])).toBe('█'.repeat(20));
  expect(bar(lines[2])).toBe(`${' '.repeat(10)}${'█'.repeat(5)}${' '.repeat(5)}`);
});

test('the header sums up the trace, and failed spans are marked', () => {
  const out = renderWaterfall([span('root', null, 0, 12.5), span('bad', 'root', 1, 2, { status: 'ERROR', service: 'posts-service' })]);
  const [header, root, bad] = out.split('\n');
  expect(header).toBe(`trace ${TRACE}: 2 spans, 12.5 ms, 1 failed (✗)`);
  expect(root?.endsWith('|')).toBe(true);
  expect(bad).toMatch(/^posts-service\s+ {2}span-bad\s+1\.00 ms\s+\|.*\| ✗$/);
});

test('an empty trace says so', () => {
  expect(renderWaterfall([])).toBe('(no spans)');
});

test('a span with links lists each under it: the trace and span it follows from', () => {
  const other = 'b'.repeat(32);
  const text = renderWaterfall([span('batch', null, 0, 10, { links: [{ traceId: other, spanId: 'f'.repeat(16) }] })], { barWidth: 10 });
  expect(text.split('\n')[2]).toBe(`       link  -> trace ${other} span ${'f'.repeat(16)}`);
});
