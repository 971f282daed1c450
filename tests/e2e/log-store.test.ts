/**
 * The log store (docs/logs-and-metrics.md): every record a request writes travels over OTLP to
 * the Collector and on to VictoriaLogs, with the log data model's fields, each under a span of
 * its trace; Jaeger's UI links each trace to its records; and a log store that goes away costs
 * no request and, once it is back, no record. Real processes and the real store throughout.
 */
import { execFileSync } from 'node:child_process';
import { DEMO_SERVICE_ENV, LOCAL_ENVIRONMENT, rabbitmqInstalled, Stack } from '@demo/stack';
import { traceIdOf } from './contract-matcher';
import { getTrace, type StoredSpan } from './jaeger';
import { report, runLoad, sleep } from './load';
import { countTraceRecords, logsLinkOf, type StoredLogRecord, waitForTraceLogs } from './log-store';
import { eventually } from './prometheus';
import { describeWithBroker } from './rabbitmq';
import { EVENT_LOG_CONTRACTS, type ExpectedLogRecord, LOG_CONTRACTS, type LogContract } from './trace-contracts';

let stack: Stack;

beforeAll(async () => {
  // With the broker wherever it is installed (in CI, always), as pnpm demo runs it.
  stack = await Stack.start({ ports: 'free', serviceEnv: DEMO_SERVICE_ENV, broker: rabbitmqInstalled(), startTimeoutMs: 60_000 });
}, 120_000);
afterAll(() => stack?.stop());

/** Sends the contract's request; returns its trace's records and spans once all have arrived. */
async function recordsOf(contract: LogContract): Promise<{ traceId: string; records: StoredLogRecord[]; spans: StoredSpan[] }> {
  const response = await fetch(`${stack.frontendUrl}${contract.path}`);
  expect(response.status).toBe(contract.responseStatus);
  const traceId = traceIdOf(response.headers.get('traceresponse'));
  const records = await waitForTraceLogs(stack.logStoreUrl, traceId, contract.records.length);
  const spans = await eventually(
    () => getTrace(stack.jaegerUrl, traceId),
    (found) => records.every((record) => found.some((span) => span.spanId === record.spanId)),
    10_000,
    `the spans of trace ${traceId} that its log records name`,
  );
  return { traceId, records, spans };
}

/** What of a stored record the contract speaks of, with its span named as Jaeger shows it. */
function asExpected(record: StoredLogRecord, spans: StoredSpan[]): ExpectedLogRecord {
  const span = spans.find((s) => s.spanId === record.spanId);
  return {
    service: record.service as ExpectedLogRecord['service'],
    span: span ? span.name : `(span ${record.spanId} is not in the trace)`,
    severityText: record.severityText as ExpectedLogRecord['severityText'],
    severityNumber: record.severityNumber as ExpectedLogRecord['severityNumber'],
    body: record.body,
    attributes: {},
  };
}

const byOrder = (a: ExpectedLogRecord, b: ExpectedLogRecord) =>
  `${a.service}${a.span}${a.body}${a.severityText}`.localeCompare(`${b.service}${b.span}${b.body}${b.severityText}`);

const keepsItsContract = `the store holds exactly the request's records, across the services, each under a span of its trace`;

describe.each(Object.entries(LOG_CONTRACTS))('%s', (_name, contract: LogContract) => {
  test(`${contract.path}: ${keepsItsContract}`, () => expectLogContractKept(contract));
});

describeWithBroker('log-store.test.ts')('with the broker: the records of a view event', () => {
  test.each(Object.entries(EVENT_LOG_CONTRACTS))(`%s: ${keepsItsContract}`, (_name, contract) => expectLogContractKept(contract));
});

async function expectLogContractKept(contract: LogContract): Promise<void> {
  const { traceId, records, spans } = await recordsOf(contract);
  const found = records.map((record) => asExpected(record, spans)).sort(byOrder);
  const expected = contract.records.map((record) => ({ ...record, attributes: {} })).sort(byOrder);
  expect(found).toEqual(expected);
  // The data model's fields, and the resource that says where each record comes from.
  for (const record of records) {
    expect(record.traceId).toBe(traceId);
    expect(record.fields).toMatchObject({
      'service.name': record.service,
      'deployment.environment.name': LOCAL_ENVIRONMENT,
      'service.instance.id': expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    const spanService = spans.find((span) => span.spanId === record.spanId)?.service;
    expect(spanService).toBe(record.service);
  }
  // Each contract record's key attributes, on the record of the same service, span and body.
  for (const wanted of contract.records) {
    const match = records.find((record) => {
      const seen = asExpected(record, spans);
      return seen.service === wanted.service && seen.span === wanted.span && seen.body === wanted.body;
    });
    expect(match?.fields).toMatchObject(wanted.attributes);
  }
}

test("an injected 503: the fault's record is at error severity and carries the injected_fault span's id", async () => {
  const { records, spans } = await recordsOf(LOG_CONTRACTS.injectedError);
  const fault = spans.find((span) => span.name === 'injected_fault');
  expect(fault).toMatchObject({ service: 'posts-service', status: 'ERROR' });
  const faultRecords = records.filter((record) => record.spanId === fault?.spanId);
  expect(faultRecords).toHaveLength(1);
  expect(faultRecords[0]).toMatchObject({ severityText: 'error', severityNumber: 17, body: 'fault injected' });
});

describe("Jaeger's link from a trace to its logs", () => {
  test('every trace gets "Logs for this trace", opening the log UI with the query for its trace id, and the UI answers 200', async () => {
    const { traceId, records } = await recordsOf(LOG_CONTRACTS.userWithPosts);
    const { text, url: link } = await logsLinkOf(stack.jaegerUrl, traceId);
    expect(text).toBe('Logs for this trace');
    expect(`${link.hostname}:${link.port}${link.pathname}`).toBe(`localhost:${stack.ports.victoriaLogs}/select/vmui/`);
    // The log UI answers on loopback; the browser's localhost is this machine's 127.0.0.1.
    const ui = await fetch(`http://127.0.0.1:${link.port}${link.pathname}${link.search}`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('<div id="root">');
    // The UI runs the query in the link's fragment (#/?query=...): it finds the trace's records.
    const query = new URLSearchParams(link.hash.replace(/^#\/\?/, '')).get('query') ?? '';
    expect(query).toBe(`trace_id:${traceId}`);
    const answer = await fetch(`${stack.logStoreUrl}/select/logsql/query?${new URLSearchParams({ query })}`);
    expect((await answer.text()).trim().split('\n')).toHaveLength(records.length);
  });
});

describe('the log store goes away for 5 s under 50 requests a second', () => {
  const RATE = 50;
  const DURATION_MS = 15_000;
  const OUTAGE = { fromMs: 5_000, toMs: 10_000 };
  const RECORDS_PER_REQUEST = LOG_CONTRACTS.userWithPosts.records.length;

  test('every request answers normally, every record of the window arrives once the store is back, and memory stays bounded', async () => {
    const collector = stack.process('otel-collector');
    const rssBefore = collector.rssBytes() ?? 0;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, collector.rssBytes() ?? 0);
    }, 250);
    const outage = (async () => {
      await sleep(OUTAGE.fromMs);
      await stack.process('victoria-logs').stop();
      await sleep(OUTAGE.toMs - OUTAGE.fromMs);
      await stack.start('victoria-logs');
    })();
    const outcomes = await runLoad(stack.frontendUrl, {
      ratePerSec: RATE,
      durationMs: DURATION_MS,
      path: (i) => `/api/users/${(i % 20) + 1}`,
    });
    await outage;
    clearInterval(sampler);

    const failed = outcomes.filter((o) => o.status !== 200);
    const inWindow = outcomes.filter((o) => o.startedAtMs >= OUTAGE.fromMs && o.startedAtMs < OUTAGE.toMs);
    const latencies = (list: typeof outcomes) => list.map((o) => o.latencyMs).sort((a, b) => a - b);
    const median = (list: typeof outcomes) => latencies(list)[Math.floor(list.length / 2)] ?? Number.NaN;
    const windowIds = inWindow.map((o) => o.traceId as string);
    const allIds = outcomes.map((o) => o.traceId as string);
    const expected = windowIds.length * RECORDS_PER_REQUEST;
    const expectedInAll = allIds.length * RECORDS_PER_REQUEST;
    const loadEnded = Date.now();
    // The Collector retries every 5 s at most; the last requests' records leave the services within a second or two.
    const allFound = await eventually(
      () => countTraceRecords(stack.logStoreUrl, allIds),
      (n) => n >= expectedInAll,
      30_000,
      'every record',
    ).catch(() => countTraceRecords(stack.logStoreUrl, allIds));
    const found = await countTraceRecords(stack.logStoreUrl, windowIds);
    const store = stack.process('victoria-logs');
    const figures = {
      requests: outcomes.length,
      answered200: outcomes.length - failed.length,
      inWindow: inWindow.length,
      expected,
      found,
      recordsOfTheWholeRun: { expected: expectedInAll, found: allFound },
      allArrivedAfterLoadS: ((Date.now() - loadEnded) / 1000).toFixed(1),
      medianLatencyMs: {
        outsideWindow: median(outcomes.filter((o) => !inWindow.includes(o))).toFixed(1),
        inWindow: median(inWindow).toFixed(1),
      },
      collectorRssMb: { before: mb(rssBefore), peak: mb(rssPeak) },
      storeAfter: { rssMb: mb(store.rssBytes() ?? 0), diskMb: mb(diskBytes(`${stack.dataDir}/victoria-logs`)) },
    };
    report('log store down 5 s at 50 req/s', figures);
    expect(failed).toEqual([]);
    expect(found).toBe(expected);
    expect(allFound).toBe(expectedInAll);
    // Bounded: far under the memory_limiter's 200 MiB, where the Collector would start refusing.
    expect(rssPeak).toBeLessThan(200 * 1024 * 1024);
  });
});

const mb = (bytes: number) => Number((bytes / 1024 / 1024).toFixed(1));

function diskBytes(dir: string): number {
  return Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
}
