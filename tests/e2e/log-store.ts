/** Reads log records back from VictoriaLogs' query API, as its UI does. */
import { getTraceLogs, parseJsonLines, type StoredLogRecord } from '@demo/trace';
import { sleep } from './load';

export { getTraceLogs, type StoredLogRecord };

/**
 * Polls the store until the trace has at least `count` records, then reads once more after
 * `settleMs`, so that a record arriving late (one too many) would show up too.
 */
export async function waitForTraceLogs(
  logStoreUrl: string,
  traceId: string,
  count: number,
  { timeoutMs = 10_000, settleMs = 1_000 } = {},
): Promise<StoredLogRecord[]> {
  const deadline = Date.now() + timeoutMs;
  let records: StoredLogRecord[] = [];
  while (Date.now() < deadline) {
    records = await getTraceLogs(logStoreUrl, traceId);
    if (records.length >= count) {
      await sleep(settleMs);
      return getTraceLogs(logStoreUrl, traceId);
    }
    await sleep(200);
  }
  const found = records.map((r) => `${r.service}/${r.severityText}/${r.body}`).join(', ') || '(none)';
  throw new Error(`trace ${traceId}: ${records.length} of ${count} log records in the store after ${timeoutMs} ms: ${found}`);
}

/** Trace ids a query names at most: the store refuses queries over 16 KiB (-search.maxQueryLen). */
const IDS_PER_QUERY = 200;

/** How many records of these traces the store holds (LogsQL, IDS_PER_QUERY traces a query). */
export async function countTraceRecords(logStoreUrl: string, traceIds: string[]): Promise<number> {
  let total = 0;
  for (let i = 0; i < traceIds.length; i += IDS_PER_QUERY) {
    const query = `trace_id:in(${traceIds.slice(i, i + IDS_PER_QUERY).join(',')}) | stats count() as records`;
    const response = await fetch(`${logStoreUrl}/select/logsql/query`, { method: 'POST', body: new URLSearchParams({ query }) });
    if (!response.ok) throw new Error(`the log store answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
    total += Number(parseJsonLines(await response.text())[0]?.records ?? 0);
  }
  return total;
}

/** The "Logs for this trace" link Jaeger's UI shows on trace `traceId`, from the settings Jaeger serves in its page. */
export async function logsLinkOf(jaegerUrl: string, traceId: string): Promise<{ text: string; url: URL }> {
  const page = await (await fetch(`${jaegerUrl}/`)).text();
  // The UI reads its settings from this line of its page: JAEGER_CONFIG = {...};
  const json = /JAEGER_CONFIG = (\{.*\});/.exec(page)?.[1];
  if (!json) throw new Error(`Jaeger's page carries no UI configuration:\n${page.slice(0, 500)}`);
  const { linkPatterns = [] } = JSON.parse(json) as { linkPatterns?: { type: string; url: string; text: string }[] };
  const pattern = linkPatterns.find((link) => link.type === 'traces');
  if (!pattern) throw new Error(`Jaeger's UI configuration has no link on traces: ${json}`);
  return { text: pattern.text, url: new URL(pattern.url.replaceAll('#{traceID}', traceId)) };
}
