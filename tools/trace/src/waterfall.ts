/**
 * A trace as a waterfall of text rows: one row a span, children under their parent in start
 * order, each with its service, indented name, duration and a bar on a time axis shared by the
 * whole trace. Failed spans are marked.
 */
import type { StoredSpan } from './jaeger-api';

export interface WaterfallRow {
  span: StoredSpan;
  depth: number;
}

/** Depth-first, parents before children, siblings by start time; orphans (parent missing) at the root. */
export function orderSpans(spans: StoredSpan[]): WaterfallRow[] {
  const ids = new Set(spans.map((span) => span.spanId));
  const children = new Map<string | null, StoredSpan[]>();
  for (const span of spans) {
    const parent = span.parentSpanId !== null && ids.has(span.parentSpanId) ? span.parentSpanId : null;
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const rows: WaterfallRow[] = [];
  const visit = (parent: string | null, depth: number) => {
    for (const span of (children.get(parent) ?? []).sort((a, b) => a.startUs - b.startUs)) {
      rows.push({ span, depth });
      visit(span.spanId, depth + 1);
    }
  };
  visit(null, 0);
  return rows;
}

const ERROR_MARK = '✗';

export function renderWaterfall(spans: StoredSpan[], { barWidth = 40 } = {}): string {
  if (spans.length === 0) return '(no spans)';
  const rows = orderSpans(spans);
  const start = Math.min(...spans.map((s) => s.startUs));
  const end = Math.max(...spans.map((s) => s.endUs));
  const scale = barWidth / Math.max(end - start, 1);
  const serviceWidth = Math.max(...spans.map((s) => s.service.length));
  const nameWidth = Math.max(...rows.map((r) => r.depth * 2 + r.span.name.length));
  const lines = rows.map(({ span, depth }) => {
    const offset = Math.min(barWidth - 1, Math.floor((span.startUs - start) * scale));
    const length = Math.max(1, Math.round((span.endUs - span.startUs) * scale));
    const bar = `${' '.repeat(offset)}${'█'.repeat(Math.min(length, barWidth - offset))}`.padEnd(barWidth);
    const name = `${'  '.repeat(depth)}${span.name}`.padEnd(nameWidth);
    const mark = span.status === 'ERROR' ? ERROR_MARK : ' ';
    return `${span.service.padEnd(serviceWidth)}  ${name}  ${formatMs(span.endUs - span.startUs).padStart(9)}  |${bar}| ${mark}`.trimEnd();
  });
  const traceId = spans[0]?.traceId ?? '';
  const errors = spans.filter((s) => s.status === 'ERROR').length;
  const header = `trace ${traceId}: ${spans.length} spans, ${formatMs(end - start)}${errors > 0 ? `, ${errors} failed (${ERROR_MARK})` : ''}`;
  return [header, ...lines].join('\n');
}

function formatMs(micros: number): string {
  return `${(micros / 1000).toFixed(micros < 10_000 ? 2 : 1)} ms`;
}
