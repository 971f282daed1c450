import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { type Exporter, OutageReportingExporter } from '../src/outage-reporting-exporter';
import { captureDiagWarnings, exportNow } from './exporter-harness';

/** A stand-in for an OTLP exporter whose availability the test switches: the unit is the reporting around it. */
class SwitchableExporter implements Exporter<string[]> {
  up = true;
  delivered: string[] = [];
  export(records: string[], done: (result: ExportResult) => void): void {
    if (this.up) this.delivered.push(...records);
    done(this.up ? { code: ExportResultCode.SUCCESS } : { code: ExportResultCode.FAILED, error: new Error('14 UNAVAILABLE') });
  }
  async shutdown(): Promise<void> {}
}

const warnings = captureDiagWarnings();

test('an outage is reported once when it starts and once when it ends, with the count lost', async () => {
  const delegate = new SwitchableExporter();
  const exporter = new OutageReportingExporter(delegate, {
    what: 'log records',
    unit: 'log records',
    endpoint: 'http://c:4317',
    count: (r) => r.length,
  });
  await exportNow(exporter, ['a']);
  delegate.up = false;
  const duringOutage = [await exportNow(exporter, ['b', 'c']), await exportNow(exporter, ['d']), await exportNow(exporter, ['e'])];
  delegate.up = true;
  await exportNow(exporter, ['f']);
  await exportNow(exporter, ['g']);

  expect(delegate.delivered).toEqual(['a', 'f', 'g']);
  // The SDK is told success: the failure was reported here, not by a stack trace per export.
  expect(duringOutage.map((r) => r.code)).toEqual([ExportResultCode.SUCCESS, ExportResultCode.SUCCESS, ExportResultCode.SUCCESS]);
  expect(warnings).toEqual([
    'telemetry: cannot export log records to http://c:4317 (14 UNAVAILABLE). Dropping them until it recovers; logged once.',
    expect.stringMatching(/^telemetry: log records export recovered after \d+\.\d s; 4 log records dropped meanwhile$/),
  ]);
});

test('a second outage is counted from zero', async () => {
  const delegate = new SwitchableExporter();
  const exporter = new OutageReportingExporter(delegate, { what: 'metrics', unit: 'exports', endpoint: 'x', count: () => 1 });
  for (const up of [false, false, true, false, true]) {
    delegate.up = up;
    await exportNow(exporter, ['m']);
  }
  expect(warnings.filter((w) => w.includes('recovered')).map((w) => w.replace(/after \S+ s/, 'after _ s'))).toEqual([
    'telemetry: metrics export recovered after _ s; 2 exports dropped meanwhile',
    'telemetry: metrics export recovered after _ s; 1 exports dropped meanwhile',
  ]);
});
