/**
 * Reads a trace's log records back from VictoriaLogs' query API (LogsQL), as its UI does. The
 * Collector sends each record with the log data model's fields: the body as _msg, severity_text,
 * severity_number, trace_id, span_id, and the resource's attributes (service.name, ...).
 */

export interface StoredLogRecord {
  /** RFC 3339, as the store returns it. */
  time: string;
  service: string;
  traceId: string;
  spanId: string;
  severityText: string;
  severityNumber: number;
  body: string;
  /** Every field the store holds for the record, attributes and resource included. */
  fields: Record<string, string>;
}

/** LogsQL for every record of one trace, oldest first. */
export function traceLogsQuery(traceId: string): string {
  return `trace_id:${traceId} | sort by (_time)`;
}

/** Every record of the trace, oldest first; throws when the store does not answer. */
export async function getTraceLogs(logStoreUrl: string, traceId: string): Promise<StoredLogRecord[]> {
  const query = new URLSearchParams({ query: traceLogsQuery(traceId) });
  const response = await fetch(`${logStoreUrl}/select/logsql/query?${query}`, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`the log store (${logStoreUrl}) answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
  return parseJsonLines(await response.text()).map(toStoredLogRecord);
}

/** The query API answers one JSON object per line. */
export function parseJsonLines(text: string): Record<string, string>[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, string>);
}

function toStoredLogRecord(fields: Record<string, string>): StoredLogRecord {
  return {
    time: fields._time ?? '',
    service: fields['service.name'] ?? '',
    traceId: fields.trace_id ?? '',
    spanId: fields.span_id ?? '',
    severityText: fields.severity_text ?? '',
    severityNumber: Number(fields.severity_number ?? 0),
    body: fields._msg ?? '',
    fields,
  };
}

/** Resource, scope and data-model fields: the same on every record of a span, so not worth repeating under it. */
const CONTEXT_FIELD = /^(_|service\b|host\.|os\.|process\.|telemetry\.|deployment\.|scope\.|trace_|span_id$|severity_)/;

/** The record's own attributes (method, status, error, ...), as `key=value` pairs. */
export function recordAttributes(record: StoredLogRecord): string {
  return Object.entries(record.fields)
    .filter(([key]) => !CONTEXT_FIELD.test(key))
    .map(([key, value]) => `${key}=${/\s/.test(value) ? JSON.stringify(value) : value}`)
    .join(' ');
}
