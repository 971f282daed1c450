/**
 * A trace as a waterfall of text rows: one row a span, children under their parent in start
 * order, each with its service, indented name, duration and a bar on a time axis shared by the
 * whole trace. Failed spans are marked. Given the trace's log records, each is drawn under the
 * span that wrote it.
 */
import type { StoredSpan } from './jaeger-api';
import { recordAttributes, type StoredLogRecord } from './log-store-api';

export interface WaterfallRow {
  span: StoredSpan;
  depth: number;
}

/**
 * Depth-first, parents before children, siblings by start time; orphans (parent missing) at the root.
 * The SDK stamps a span's start with Date.now() (its end with the finer performance clock), so
 * siblings started within one millisecond tie; they are ordered by end time, so that the one that
 * finished first, as sequential code runs them, comes first.
 */
export function orderSpans(spans: StoredSpan[]): WaterfallRow[] {
  const ids = new Set(spans.map((span) => span.spanId));
  const children = new Map<string | null, StoredSpan[]>();
  for (const span of spans) {
    const parent = span.parentSpanId !== null && ids.has(span.parentSpanId) ? span.parentSpanId : null;
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const rows: WaterfallRow[] = [];
  const visit = (parent: string | null, depth: number) => {
    for (const span of (children.get(parent) ?? []).sort((a, b) => a.startUs - b.startUs || a.endUs - b.endUs)) {
      rows.push({ span, depth });
      visit(span.spanId, depth + 1);
    }
  };
  visit(null, 0);
  return rows;
}

const ERROR_MARK = '✗';

export interface WaterfallOptions {
  barWidth?: number;
  /** The trace's log records, drawn under their spans; records of no span in the trace come last. */
  logs?: StoredLogRecord[];
}

export function renderWaterfall(spans: StoredSpan[], { barWidth = 40, logs }: WaterfallOptions = {}): string {
  if (spans.length === 0) return '(no spans)';
  const rows = orderSpans(spans);
  const start = Math.min(...spans.map((s) => s.startUs));
  const end = Math.max(...spans.map((s) => s.endUs));
  const scale = barWidth / Math.max(end - start, 1);
  const serviceWidth = Math.max(...spans.map((s) => s.service.length));
  const nameWidth = Math.max(...rows.map((r) => r.depth * 2 + r.span.name.length));
  const logsOf = (spanId: string) => (logs ?? []).filter((record) => record.spanId === spanId);
  const lines = rows.flatMap(({ span, depth }) => {
    const offset = Math.min(barWidth - 1, Math.floor((span.startUs - start) * scale));
    const length = Math.max(1, Math.round((span.endUs - span.startUs) * scale));
    const bar = `${' '.repeat(offset)}${'█'.repeat(Math.min(length, barWidth - offset))}`.padEnd(barWidth);
    const name = `${'  '.repeat(depth)}${span.name}`.padEnd(nameWidth);
    const mark = span.status === 'ERROR' ? ERROR_MARK : ' ';
    const row =
      `${span.service.padEnd(serviceWidth)}  ${name}  ${formatMs(span.endUs - span.startUs).padStart(9)}  |${bar}| ${mark}`.trimEnd();
    const indent = ' '.repeat(serviceWidth + 2 + depth * 2 + 2);
    const links = span.links.map((link) => `${indent}link  -> trace ${link.traceId} span ${link.spanId}`);
    return [row, ...links, ...logsOf(span.spanId).map((record) => `${indent}${logLine(record)}`)];
  });
  const spanIds = new Set(spans.map((span) => span.spanId));
  const unplaced = (logs ?? []).filter((record) => !spanIds.has(record.spanId));
  if (unplaced.length > 0) lines.push('log records of no span in this trace:', ...unplaced.map((r) => `  ${r.service}  ${logLine(r)}`));
  const traceId = spans[0]?.traceId ?? '';
  const errors = spans.filter((s) => s.status === 'ERROR').length;
  const records = logs === undefined ? '' : `, ${logs.length} log record${logs.length === 1 ? '' : 's'}`;
  const header = `trace ${traceId}: ${spans.length} spans, ${formatMs(end - start)}${records}${errors > 0 ? `, ${errors} failed (${ERROR_MARK})` : ''}`;
  return [header, ...lines].join('\n');
}

/** `log  error  request failed  status=503 code=injected_fault`: severity, body, the record's own attributes. */
function logLine(record: StoredLogRecord): string {
  return `log  ${record.severityText.padEnd(5)}  ${record.body}  ${recordAttributes(record)}`.trimEnd();
}

function formatMs(micros: number): string {
  return `${(micros / 1000).toFixed(micros < 10_000 ? 2 : 1)} ms`;
}
