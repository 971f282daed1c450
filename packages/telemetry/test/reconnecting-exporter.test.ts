import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { Exporter } from '../src/outage-reporting-exporter';
import { ReconnectingExporter } from '../src/reconnecting-exporter';
import { captureDiagWarnings, exportNow } from './exporter-harness';

/** A stand-in for an OTLP exporter: answers each export with the next result given, and counts its shutdowns. */
class FakeExporter implements Exporter<string[]> {
  shutdowns = 0;
  exported: string[][] = [];
  constructor(private readonly answer: () => ExportResult) {}
  export(data: string[], done: (result: ExportResult) => void): void {
    this.exported.push(data);
    done(this.answer());
  }
  async shutdown(): Promise<void> {
    this.shutdowns++;
  }
}

const warnings = captureDiagWarnings();
let up = false;
const answer = (): ExportResult =>
  up ? { code: ExportResultCode.SUCCESS } : { code: ExportResultCode.FAILED, error: new Error('14 UNAVAILABLE') };
let made: FakeExporter[];
const options = { freshEveryMs: 5_000, what: 'spans', endpoint: 'http://agent:4317' };

beforeEach(() => {
  jest.useFakeTimers({ now: 0 });
  up = false;
  made = [];
});
afterEach(() => jest.useRealTimers());

function reconnecting(): ReconnectingExporter<string[]> {
  return new ReconnectingExporter(() => {
    const exporter = new FakeExporter(answer);
    made.push(exporter);
    return exporter;
  }, options);
}

test('failing exports get a fresh exporter once the one in use is 5 s old, and the old one is shut down', async () => {
  const exporter = reconnecting();
  expect((await exportNow(exporter, ['a'])).code).toBe(ExportResultCode.FAILED);
  expect(made).toHaveLength(1);
  jest.setSystemTime(5_000);
  await exportNow(exporter, ['b']);
  expect(made).toHaveLength(2);
  expect(made[0]?.shutdowns).toBe(1);
  // Within 5 s of the fresh one, failures keep it.
  jest.setSystemTime(9_999);
  await exportNow(exporter, ['c']);
  expect(made).toHaveLength(2);
  up = true;
  expect((await exportNow(exporter, ['d'])).code).toBe(ExportResultCode.SUCCESS);
  expect(made[1]?.exported).toEqual([['c'], ['d']]);
});

test('an exporter that succeeds is kept, however old', async () => {
  up = true;
  const exporter = reconnecting();
  jest.setSystemTime(3_600_000);
  await exportNow(exporter, ['a']);
  expect(made).toHaveLength(1);
});

test('the fresh connections are logged once an outage, naming the endpoint and the interval', async () => {
  const exporter = reconnecting();
  for (const now of [5_000, 10_000, 15_000]) {
    jest.setSystemTime(now);
    await exportNow(exporter, ['x']);
  }
  up = true;
  await exportNow(exporter, ['y']);
  up = false;
  jest.setSystemTime(30_000);
  await exportNow(exporter, ['z']);
  expect(made).toHaveLength(5);
  expect(warnings).toEqual([
    'telemetry: spans: opening a fresh connection to http://agent:4317, and again every 5 s while exports fail; logged once.',
    'telemetry: spans: opening a fresh connection to http://agent:4317, and again every 5 s while exports fail; logged once.',
  ]);
});
