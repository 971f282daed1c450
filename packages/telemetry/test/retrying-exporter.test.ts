import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { RetryingSpanExporter } from '../src/retrying-exporter';
import { captureDiagWarnings, exportNow } from './exporter-harness';

/** A stand-in for the OTLP exporter whose availability the test switches: the unit is the buffer around it. */
class SwitchableExporter implements SpanExporter {
  up = true;
  delivered: string[] = [];
  calls = 0;
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.calls++;
    if (!this.up) {
      done({ code: ExportResultCode.FAILED, error: new Error('14 UNAVAILABLE: connection refused') });
      return;
    }
    this.delivered.push(...spans.map((s) => s.name));
    done({ code: ExportResultCode.SUCCESS });
  }
  async shutdown(): Promise<void> {}
}

const spans = (...names: string[]) => names.map((name) => ({ name }) as ReadableSpan);
const options = { maxBufferedSpans: 5, maxBatchSize: 2, initialBackoffMs: 10, maxBackoffMs: 40, endpoint: 'http://collector:4317' };
const settle = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

const warnings = captureDiagWarnings();

test('delivers straight through while the Collector is up', async () => {
  const delegate = new SwitchableExporter();
  const exporter = new RetryingSpanExporter(delegate, options);
  expect(await exportNow(exporter, spans('a', 'b', 'c'))).toEqual({ code: ExportResultCode.SUCCESS });
  await settle();
  expect(delegate.delivered).toEqual(['a', 'b', 'c']);
  expect(warnings).toEqual([]);
});

test('while healthy, the processor is answered only once the spans are delivered (so its flush means delivered)', async () => {
  let release: () => void = () => undefined;
  const slow: SpanExporter = {
    export: (_spans, done) => {
      release = () => done({ code: ExportResultCode.SUCCESS });
    },
    shutdown: async () => undefined,
  };
  const exporter = new RetryingSpanExporter(slow, options);
  let answered = false;
  exporter.export(spans('a'), () => {
    answered = true;
  });
  await settle(5);
  expect(answered).toBe(false);
  release();
  await settle();
  expect(answered).toBe(true);
});

test('keeps failed spans and delivers them, in order, once the Collector is back', async () => {
  const delegate = new SwitchableExporter();
  delegate.up = false;
  const exporter = new RetryingSpanExporter(delegate, options);
  await exportNow(exporter, spans('a', 'b'));
  await exportNow(exporter, spans('c'));
  await settle(5);
  expect(exporter.stats()).toEqual({ buffered: 3, dropped: 0 });
  delegate.up = true;
  await settle(100);
  expect(delegate.delivered).toEqual(['a', 'b', 'c']);
  expect(exporter.stats()).toEqual({ buffered: 0, dropped: 0 });
});

test('an outage is logged once when it starts and once when it ends, however many batches fail', async () => {
  const delegate = new SwitchableExporter();
  delegate.up = false;
  const exporter = new RetryingSpanExporter(delegate, options);
  for (let i = 0; i < 3; i++) {
    await exportNow(exporter, spans(`s${i}`));
    await settle(30);
  }
  expect(delegate.calls).toBeGreaterThan(1);
  expect(warnings).toEqual([expect.stringContaining('cannot export spans to http://collector:4317 (14 UNAVAILABLE')]);
  delegate.up = true;
  await settle(100);
  expect(warnings).toHaveLength(2);
  expect(warnings[1]).toMatch(/recovered after [\d.]+ s; 0 spans dropped meanwhile/);
});

test('a long outage keeps memory bounded: the oldest spans are dropped and counted', async () => {
  const delegate = new SwitchableExporter();
  delegate.up = false;
  const exporter = new RetryingSpanExporter(delegate, options);
  await exportNow(exporter, spans('1', '2', '3', '4'));
  await exportNow(exporter, spans('5', '6', '7'));
  expect(exporter.stats()).toEqual({ buffered: 5, dropped: 2 });
  delegate.up = true;
  await exporter.forceFlush();
  expect(delegate.delivered).toEqual(['3', '4', '5', '6', '7']);
});

test('shutdown tries once more and says what it could not deliver', async () => {
  const delegate = new SwitchableExporter();
  delegate.up = false;
  const exporter = new RetryingSpanExporter(delegate, options);
  await exportNow(exporter, spans('a'));
  await exporter.shutdown();
  expect(warnings.at(-1)).toBe('telemetry: shutting down with 1 spans undelivered; 0 dropped earlier while the buffer was full');
});
