/**
 * The README's curls, run as a reader runs them, against any running demo (`pnpm demo` or
 * compose): each answers as the README says, and its trace shows what the README points at.
 * The curls are read from the README itself, so a curl added there without a stop here fails.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@demo/stack';
import { traceIdOf } from './contract-matcher';
import type { DemoTarget } from './contract-suite';
import { type StoredSpan, waitForTrace } from './jaeger';
import { LIST_POSTS_SPAN, TRACE_CONTRACTS, withViewEvents } from './trace-contracts';

const FULL_TRACE = TRACE_CONTRACTS.userWithPosts.spans.length;
/** Where a broker runs, a served list's trace goes on: PRODUCER, CONSUMER, record_post_views. */
const VIEW_EVENT_SPANS = withViewEvents(TRACE_CONTRACTS.userWithPosts).spans.length - FULL_TRACE;

/** The path of every `curl -i localhost:3000/...` in the README, once each. */
export function readmeCurlPaths(): string[] {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  return [...new Set([...readme.matchAll(/curl -i '?localhost:3000(\/[^'\s`]*)/g)].map((match) => match[1] as string))];
}

interface TourStop {
  status: number;
  /** How many spans the whole trace holds. */
  spans: number;
  /** posts-service serves the list (so publishes posts.viewed where a broker runs), however late. */
  servesPosts: boolean;
  check(spans: StoredSpan[], answer: Answer): void;
}

interface Answer {
  body: unknown;
  elapsedMs: number;
  outboundTimeoutMs: number;
}

const injected = (spans: StoredSpan[]) => spans.filter((span) => span.name === 'injected_fault');
const durationMs = (span: StoredSpan | undefined) => ((span?.endUs ?? 0) - (span?.startUs ?? 0)) / 1000;
/** A timer may fire a fraction of a millisecond early by the span's clock (799.963 ms for 800). */
const TIMER_SLACK_MS = 1;
const failedCalls = (spans: StoredSpan[]) =>
  spans
    .filter((span) => span.kind === 'CLIENT' && span.status === 'ERROR')
    .map((span) => span.service)
    .sort();

const TOUR: Record<string, TourStop> = {
  '/api/users/1': {
    status: 200,
    spans: FULL_TRACE,
    servesPosts: true,
    check: (spans) => expect(injected(spans)).toEqual([]),
  },
  '/api/users/1?fault=posts-service:delay=800ms': {
    status: 200,
    spans: FULL_TRACE + 1,
    servesPosts: true,
    check: (spans, { elapsedMs }) => {
      const [fault] = injected(spans);
      const postsServer = spans.find((s) => s.service === 'posts-service' && s.kind === 'SERVER');
      expect(fault).toMatchObject({
        service: 'posts-service',
        parentSpanId: postsServer?.spanId,
        attributes: expect.objectContaining({ 'demo.fault.type': 'delay', 'demo.fault.delay_ms': 800 }),
      });
      expect(durationMs(fault)).toBeGreaterThanOrEqual(800 - TIMER_SLACK_MS);
      expect(elapsedMs).toBeGreaterThanOrEqual(800);
    },
  },
  '/api/users/1?fault=posts-service:delay=3000ms': {
    status: 504,
    spans: FULL_TRACE + 1,
    servesPosts: true,
    check: (spans, { body, elapsedMs, outboundTimeoutMs }) => {
      expect(body).toEqual({
        error: { code: 'gateway_timeout', message: `users-service did not answer within ${outboundTimeoutMs} ms` },
      });
      expect(elapsedMs).toBeGreaterThanOrEqual(outboundTimeoutMs);
      expect(elapsedMs).toBeLessThan(3_000);
      expect(failedCalls(spans)).toEqual(['frontend', 'users-service']);
      // posts-service works on for the whole delay after everyone stopped waiting.
      expect(durationMs(injected(spans)[0])).toBeGreaterThanOrEqual(3_000 - TIMER_SLACK_MS);
    },
  },
  '/api/users/1?transport=grpc': {
    status: 200,
    spans: FULL_TRACE,
    servesPosts: true,
    check: (spans) => {
      const client = spans.find((s) => s.service === 'users-service' && s.kind === 'CLIENT');
      const server = spans.find((s) => s.service === 'posts-service' && s.kind === 'SERVER');
      expect([client?.name, server?.name]).toEqual([LIST_POSTS_SPAN, LIST_POSTS_SPAN]);
      expect(server?.parentSpanId).toBe(client?.spanId);
      // What the README points at: the context as received, in the call's metadata.
      expect(String(server?.attributes['rpc.request.metadata.traceparent'])).toContain(`-${client?.spanId}-01`);
      expect(String(server?.attributes['rpc.request.metadata.baggage'])).toContain('demo.transport=grpc');
    },
  },
  '/api/users/1?fault=posts-service:error=503': {
    status: 502,
    spans: 7,
    servesPosts: false,
    check: (spans, { body }) => {
      expect(body).toEqual({ error: { code: 'bad_gateway', message: 'users-service answered 502' } });
      expect(injected(spans)).toEqual([expect.objectContaining({ service: 'posts-service', status: 'ERROR' })]);
      expect(failedCalls(spans)).toEqual(['frontend', 'users-service']);
    },
  },
};

/** How many spans the trace of each README curl holds, by its path (e.g. the error fault's: 7). */
export function tourTraceSpans(path: string): number {
  const stop = TOUR[path];
  if (!stop) throw new Error(`${path} is not a curl of the README's tour`);
  return stop.spans;
}

export function describeReadmeTour(target: () => DemoTarget & { outboundTimeoutMs: number }): void {
  test('every curl in the README is a stop of this tour', () => {
    expect(readmeCurlPaths().sort()).toEqual(Object.keys(TOUR).sort());
  });

  test.each(Object.keys(TOUR))('README: curl -i localhost:3000%s', async (path) => {
    const stop = TOUR[path] as TourStop;
    const { frontendUrl, jaegerUrl, outboundTimeoutMs } = target();
    const started = Date.now();
    const response = await fetch(`${frontendUrl}${path}`);
    const body: unknown = await response.json();
    const elapsedMs = Date.now() - started;
    expect(response.status).toBe(stop.status);
    const spanCount = stop.spans + (target().viewEvents && stop.servesPosts ? VIEW_EVENT_SPANS : 0);
    const { spans } = await waitForTrace(jaegerUrl, traceIdOf(response.headers.get('traceresponse')), spanCount);
    expect(spans).toHaveLength(spanCount);
    stop.check(spans, { body, elapsedMs, outboundTimeoutMs });
  });
}
