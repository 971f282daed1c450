import { demoLine } from '../src/demo-output';

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
