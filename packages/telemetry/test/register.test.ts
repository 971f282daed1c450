/**
 * The preload in real child processes (jest's module registry would hide `require('http')` from
 * the instrumentations' hooks): what gets patched, and that a missing Collector breaks nothing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const REGISTER = join(__dirname, '../dist/register.js');

/** Runs a script under `node --require register` and returns what it printed as JSON. */
function runPreloaded(script: string, env: Record<string, string>): Record<string, unknown> {
  const output = execFileSync(process.execPath, ['--require', REGISTER, '-e', script], {
    env: {
      PATH: process.env.PATH ?? '',
      // Nothing listens here: every test also shows that a missing Collector never breaks the app.
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
      OTEL_LOG_LEVEL: 'none',
      ...env,
    },
    // The package's folder, so that the script's require('@opentelemetry/api') resolves.
    cwd: join(__dirname, '..'),
    encoding: 'utf8',
    timeout: 20_000,
  });
  return JSON.parse(output.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
}

/**
 * Serves one real HTTP request in the child and prints, `delayMs` later, its status, whether its
 * handler ran inside a SERVER span (the http instrumentation at work), and `extra`, an object
 * literal's fields. Expects `http` and `api` (@opentelemetry/api) in scope.
 */
function serveOneRequest(extra: string, delayMs = 0): string {
  return `
  const server = http.createServer((req, res) => {
    res.end(JSON.stringify({ traceId: api.trace.getActiveSpan()?.spanContext().traceId ?? null }));
  }).listen(0, '127.0.0.1', () => {
    http.get({ port: server.address().port, path: '/work' }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c)).on('end', () => setTimeout(() => {
        console.log(JSON.stringify({ status: res.statusCode, ...JSON.parse(body), ${extra} }));
        process.exit(0);
      }, ${delayMs}));
    });
  });`;
}

/** The SERVER span, which provider is registered, and the propagators. */
const SERVE_ONE_REQUEST = `
  const http = require('http');
  const api = require('@opentelemetry/api');
  ${serveOneRequest('tracerProvider: api.trace.getTracerProvider().getDelegate().constructor.name, propagationFields: api.propagation.fields()')}
`;

test('by default requests get SERVER spans, from an SDK provider with W3C propagators', () => {
  expect(runPreloaded(SERVE_ONE_REQUEST, { OTEL_SERVICE_NAME: 'test-service' })).toEqual({
    status: 200,
    traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
    tracerProvider: 'TracerProvider',
    propagationFields: ['traceparent', 'tracestate', 'baggage'],
  });
});

test('OTEL_SDK_DISABLED=true instruments nothing and leaves the no-op provider', () => {
  expect(runPreloaded(SERVE_ONE_REQUEST, { OTEL_SDK_DISABLED: 'true' })).toEqual({
    status: 200,
    traceId: null,
    tracerProvider: 'NoopTracerProvider',
    propagationFields: [],
  });
});

test('OTEL_NODE_ENABLED_INSTRUMENTATIONS without http leaves requests untraced', () => {
  expect(runPreloaded(SERVE_ONE_REQUEST, { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'express' })).toMatchObject({ status: 200, traceId: null });
});

test('an instrumentation the bootstrap does not bundle gets a warning naming what to add, and the rest still works', () => {
  const child = spawnSync(process.execPath, ['--require', REGISTER, '-e', SERVE_ONE_REQUEST], {
    env: { PATH: process.env.PATH ?? '', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,pg' },
    cwd: join(__dirname, '..'),
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}')).toMatchObject({
    status: 200,
    traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
  });
  expect(child.stderr).toContain('"pg" is not bundled in this bootstrap (it has: http, express, grpc, pino, undici, amqplib)');
  expect(child.stderr).toContain('@opentelemetry/instrumentation-pg');
});

test('only the bundled instrumentations are loaded: auto-instrumentations-node is not', () => {
  const loaded = runPreloaded(
    `console.log(JSON.stringify({ modules: Object.keys(require.cache).filter((p) => p.includes('@opentelemetry/instrumentation-') || p.includes('auto-instrumentations')).map((p) => p.match(/@opentelemetry\\/([^/]+)/)[1]) }))`,
    {},
  );
  expect([...new Set(loaded.modules as string[])].sort()).toEqual([
    'instrumentation-amqplib',
    'instrumentation-express',
    'instrumentation-grpc',
    'instrumentation-pino',
    'instrumentation-undici',
  ]);
});

/**
 * A child that is its own Collector: it counts the OTLP/HTTP trace exports it receives on
 * `RECEIVER_PORT` (which the bootstrap was pointed at before it loaded), and reports them after
 * serving one request.
 */
const COUNT_TRACE_EXPORTS = `
  const http = require('http');
  const api = require('@opentelemetry/api');
  let exports = 0;
  http.createServer((req, res) => { if (req.url === '/v1/traces') exports++; req.resume(); req.on('end', () => res.end()); })
    .listen(Number(process.env.RECEIVER_PORT), '127.0.0.1', () => { ${serveOneRequest('exports', 1_000)} });
`;

test.each([
  ['unset', {}, { exported: true }],
  ['none', { OTEL_TRACES_EXPORTER: 'none' }, { exported: false }],
])('OTEL_TRACES_EXPORTER %s: the spans and their context either way, exported only over OTLP', async (_, env, { exported }) => {
  const port = await freePort();
  const report = runPreloaded(COUNT_TRACE_EXPORTS, {
    ...env,
    RECEIVER_PORT: String(port),
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    // The receiver's own requests would be traced, and exported, in turn.
    TELEMETRY_UNTRACED_PATHS: '/v1/traces',
  });
  expect(report.traceId).toMatch(/^[0-9a-f]{32}$/);
  expect((report.exports as number) > 0).toBe(exported);
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
