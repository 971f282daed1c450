/**
 * The bootstrap's own HTTP instrumentation, in a real child process with the real SDK: a server
 * calling a downstream server over http.get, as the demo's services do. The names, kinds,
 * statuses and attribute keys expected are the HTTP semantic conventions' (stable since v1.23).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

interface SpanSeen {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  status: number;
  attributes: Record<string, unknown>;
  events: string[];
}
interface ChildReport {
  spans: SpanSeen[];
  /** The active span id where the app looked: in the handler, in the request's 'end' listener, in the response's 'finish' listener. */
  seen: Record<string, { handler?: string; end?: string; finish?: string }>;
  statuses: Record<string, number>;
}

const SERVER = 1;
const CLIENT = 2;
const ERROR = 2;
const CALLER_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';

const CHILD = `
const http = require('node:http');
const api = require('@opentelemetry/api');
const { getRPCMetadata } = require('@opentelemetry/core');
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace');
const { HttpInstrumentation } = require('./dist/http-instrumentation.js');
const memory = new InMemorySpanExporter();
new NodeSDK({
  spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
  instrumentations: [new HttpInstrumentation({ ignoreIncomingRequest: (request) => request.url === '/healthz' })],
}).start();

const activeSpanId = () => api.trace.getActiveSpan()?.spanContext().spanId;
const downstream = http.createServer((req, res) => {
  res.statusCode = req.url.startsWith('/fail') ? 503 : 200;
  res.end('ok');
});
const calls = { '/users/1': '/ok?sig=secret&x=1', '/users/9': '/fail', '/healthz': '/ok' };
const seen = {};
const server = http.createServer((req, res) => {
  const key = req.url;
  seen[key] = { handler: activeSpanId() };
  res.on('finish', () => (seen[key].finish = activeSpanId()));
  // As a body parser does: the app carries on from the request's 'end', which the socket emits.
  req.on('end', () => {
    seen[key].end = activeSpanId();
    if (key.startsWith('/users/')) getRPCMetadata(api.context.active()).route = '/users/:id';
    const port = key === '/refused' ? 9 : downstream.address().port;
    const call = http.get({ host: '127.0.0.1', port, path: calls[key] ?? '/ok' }, (response) => {
      response.resume();
      response.on('end', () => {
        res.statusCode = response.statusCode === 200 ? 200 : 502;
        res.end('done');
      });
    });
    call.on('error', () => {
      res.statusCode = 502;
      res.end('unreachable');
    });
  });
  req.resume();
});

downstream.listen(0, '127.0.0.1', () => server.listen(0, '127.0.0.1', async () => {
  const base = 'http://127.0.0.1:' + server.address().port;
  const statuses = {};
  const traceparent = '00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01';
  statuses['/users/1'] = (await fetch(base + '/users/1', { method: 'POST', body: 'x'.repeat(64 * 1024), headers: { traceparent } })).status;
  for (const path of ['/users/9', '/healthz', '/refused']) statuses[path] = (await fetch(base + path)).status;
  setTimeout(() => {
    const spans = memory.getFinishedSpans().map((span) => ({
      name: span.name,
      kind: span.kind,
      traceId: span.spanContext().traceId,
      spanId: span.spanContext().spanId,
      parentSpanId: span.parentSpanContext?.spanId,
      status: span.status.code,
      attributes: span.attributes,
      events: span.events.map((event) => event.name),
    }));
    console.log(JSON.stringify({ spans, seen, statuses }));
    process.exit(0);
  }, 200);
}));
`;

let report: ChildReport;
beforeAll(() => {
  const output = execFileSync(process.execPath, ['-e', CHILD], {
    cwd: join(__dirname, '..'),
    env: { PATH: process.env.PATH ?? '', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', OTEL_LOG_LEVEL: 'none' },
    encoding: 'utf8',
    timeout: 20_000,
  });
  report = JSON.parse(output.trim().split('\n').pop() ?? '{}') as ChildReport;
});

const serverSpan = (path: string) => report.spans.find((span) => span.kind === SERVER && span.attributes['url.path'] === path);
const childrenOf = (span: SpanSeen | undefined) => report.spans.filter((child) => span && child.parentSpanId === span.spanId);

test('the requests were answered as the app decided', () => {
  expect(report.statuses).toEqual({ '/users/1': 200, '/users/9': 502, '/healthz': 200, '/refused': 502 });
});

test("a SERVER span continues the caller's trace, named by its route, with the conventions' attributes", () => {
  const server = serverSpan('/users/1');
  expect(server).toMatchObject({
    name: 'POST /users/:id',
    traceId: CALLER_TRACE_ID,
    parentSpanId: CALLER_SPAN_ID,
    status: 0,
    attributes: {
      'http.request.method': 'POST',
      'url.scheme': 'http',
      'url.path': '/users/1',
      'http.route': '/users/:id',
      'http.response.status_code': 200,
      'server.address': '127.0.0.1',
      'server.port': expect.any(Number),
      'network.protocol.version': '1.1',
      'network.peer.address': '127.0.0.1',
      'client.address': '127.0.0.1',
      'user_agent.original': 'node',
    },
  });
});

test("the handler, a listener on the request's 'end' and one on the response's 'finish' all run in the SERVER span", () => {
  const server = serverSpan('/users/1');
  expect(report.seen['/users/1']).toEqual({ handler: server?.spanId, end: server?.spanId, finish: server?.spanId });
});

test('a CLIENT span under it carries the context to the downstream SERVER span, with credentials in the query redacted', () => {
  const [client] = childrenOf(serverSpan('/users/1'));
  expect(client).toMatchObject({
    name: 'GET',
    kind: CLIENT,
    traceId: CALLER_TRACE_ID,
    attributes: {
      'http.request.method': 'GET',
      'server.address': '127.0.0.1',
      'url.full': expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/ok\?sig=REDACTED&x=1$/),
      'http.response.status_code': 200,
    },
  });
  expect(childrenOf(client)).toEqual([expect.objectContaining({ kind: SERVER, name: 'GET', traceId: CALLER_TRACE_ID })]);
});

test('a 5xx marks the SERVER span ERROR, and a downstream 503 the CLIENT span, each with error.type', () => {
  const server = serverSpan('/users/9');
  expect(server).toMatchObject({ status: ERROR, attributes: { 'http.response.status_code': 502, 'error.type': '502' } });
  expect(childrenOf(server)).toEqual([
    expect.objectContaining({ kind: CLIENT, status: ERROR, attributes: expect.objectContaining({ 'error.type': '503' }) }),
  ]);
});

test('a connection refused ends the CLIENT span with the error recorded', () => {
  expect(childrenOf(serverSpan('/refused'))).toEqual([
    expect.objectContaining({
      kind: CLIENT,
      status: ERROR,
      attributes: expect.objectContaining({ 'error.type': 'ECONNREFUSED' }),
      events: ['exception'],
    }),
  ]);
});

test('an ignored path gets no span, and what it calls none either', () => {
  expect(serverSpan('/healthz')).toBeUndefined();
  expect(report.seen['/healthz']?.handler).toBeUndefined();
  // One CLIENT span each for /users/1, /users/9 and /refused: none for the call /healthz made.
  expect(report.spans.filter((span) => span.kind === CLIENT)).toHaveLength(3);
});
