import { parseInstallerOutput } from '../src/binaries';
import { demoLine, uiLines } from '../src/demo-output';

const json = (fields: Record<string, unknown>) => JSON.stringify({ time: '2026-12-02T06:00:00.000Z', ...fields });

test("the frontend's request line becomes one short line with its trace link", () => {
  const line = json({
    level: 'info',
    service: 'frontend',
    msg: 'request',
    method: 'GET',
    path: '/api/users/1',
    status: 200,
    duration_ms: 57.43,
    trace_url: 'http://localhost:16686/trace/abc',
  });
  expect(demoLine('frontend', line)).toBe('GET /api/users/1 -> 200 in 57.4 ms  http://localhost:16686/trace/abc');
});

test("the other services' request lines stay in their log files", () => {
  expect(demoLine('users-service', json({ level: 'info', msg: 'request', method: 'GET', path: '/users/1', status: 200 }))).toBeNull();
});

test("a request's own errors stay in the log files: its trace shows them", () => {
  expect(demoLine('posts-service', json({ level: 'error', msg: 'request failed', trace_id: 'abc' }))).toBeNull();
});

test("Jaeger's known warning about its missing UI assets stays in the log file", () => {
  expect(demoLine('jaeger', '2026-12-02T06:00:00.000Z\twarn\tui/assets.go:27\tui assets not embedded in the binary')).toBeNull();
});

test('warnings and errors outside any request, from any service, are shown', () => {
  expect(demoLine('posts-service', json({ level: 'error', msg: 'database unavailable' }))).toBe(
    '[posts-service] error: database unavailable',
  );
  expect(demoLine('frontend', json({ level: 'warn', msg: 'slow' }))).toBe('[frontend] warn: slow');
});

test("the pipeline's info lines stay in the log files; its warnings and errors are shown", () => {
  expect(demoLine('otel-collector', '2026-12-02T06:00:00.000Z\tinfo\tTraces\t{"spans": 8}')).toBeNull();
  expect(demoLine('otel-collector', '2026-12-02T06:00:00.000Z\twarn\tExporting failed')).toBe(
    '[otel-collector] 2026-12-02T06:00:00.000Z\twarn\tExporting failed',
  );
  expect(demoLine('prometheus', 'time=2026-12-02T06:00:00Z level=info msg="Server is ready"')).toBeNull();
  expect(demoLine('prometheus', 'time=2026-12-02T06:00:00Z level=error msg="disk full"')).toContain('disk full');
});

test("a service's plain-text line (the bootstrap's export warnings) is shown", () => {
  expect(demoLine('users-service', 'telemetry: cannot export spans to http://127.0.0.1:4317')).toBe(
    '[users-service] telemetry: cannot export spans to http://127.0.0.1:4317',
  );
});

describe("the banner's Jaeger and Prometheus lines", () => {
  const ports = { jaegerUi: 16686, prometheus: 9090 };
  const all = (source: 'release' | 'go') => ({ collector: source, jaeger: source, prometheus: source, victoriaLogs: source });

  test('release binaries: the real UIs, with where to click', () => {
    const lines = uiLines(all('release'), ports);
    expect(lines).toContain('http://localhost:16686   (the Jaeger UI: pick service frontend, Find Traces)');
    expect(lines).toContain('http://localhost:9090/query?g0.expr=traces_span_metrics_calls_total   (the Prometheus UI)');
    expect(lines).not.toContain('placeholder');
  });

  test('Go builds: the APIs, and the UIs named as placeholders, with how to get the real ones', () => {
    const lines = uiLines(all('go'), ports).split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toContain('its UI is a placeholder; DEMO_BINARIES=release pnpm demo fetches the release');
    expect(lines[0]).toContain('http://localhost:16686/api/traces?service=frontend&limit=5');
    expect(lines[1]).toContain('http://localhost:9090/api/v1/query?query=traces_span_metrics_calls_total');
  });

  test('mixed: each line follows its own binary', () => {
    const lines = uiLines({ ...all('go'), jaeger: 'release' }, ports).split('\n');
    expect(lines[0]).toContain('the Jaeger UI');
    expect(lines[1]).toContain('placeholder');
  });
});

describe("the installer's output", () => {
  const lines = ['OTELCOL', 'JAEGER', 'PROMETHEUS', 'VICTORIA_LOGS'].flatMap((key) => [`${key}_BIN=/cache/${key}`, `${key}_SOURCE=go`]);

  test('four paths, each with its source', () => {
    const binaries = parseInstallerOutput(`${lines.join('\n')}\n`);
    expect(binaries.victoriaLogs).toBe('/cache/VICTORIA_LOGS');
    expect(binaries.sources.collector).toBe('go');
  });

  test('a missing binary or an unknown source is an error that shows the output', () => {
    expect(() => parseInstallerOutput(lines.slice(2).join('\n'))).toThrow(/did not report OTELCOL_BIN/);
    expect(() => parseInstallerOutput(lines.join('\n').replace('JAEGER_SOURCE=go', 'JAEGER_SOURCE=docker'))).toThrow(
      /JAEGER_SOURCE=docker/,
    );
  });
});
