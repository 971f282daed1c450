/**
 * What `pnpm demo` shows in its terminal: a screenful a newcomer can read. One line per request
 * (the frontend's, with its trace link), and any warning or error from any part. Everything each
 * process prints still goes to its log file.
 */

import type { Binaries } from './binaries';
import { SERVICE_NAMES } from './stack';

/**
 * The banner's Jaeger and Prometheus lines. A release binary serves its real UI; a Go module build
 * serves the same API behind a placeholder page, and the line says so and how to get the UI.
 */
export function uiLines(sources: Binaries['sources'], ports: { jaegerUi: number; prometheus: number }): string {
  const placeholder = 'a Go build: its UI is a placeholder; DEMO_BINARIES=release pnpm demo fetches the release, or docker compose up';
  const jaeger =
    sources.jaeger === 'release'
      ? `http://localhost:${ports.jaegerUi}   (the Jaeger UI: pick service frontend, Find Traces)`
      : `http://localhost:${ports.jaegerUi}/api/traces?service=frontend&limit=5   (its API; ${placeholder})`;
  const prometheus =
    sources.prometheus === 'release'
      ? `http://localhost:${ports.prometheus}/query?g0.expr=traces_span_metrics_calls_total   (the Prometheus UI)`
      : `http://localhost:${ports.prometheus}/api/v1/query?query=traces_span_metrics_calls_total   (its API; ${placeholder})`;
  return `    Jaeger          ${jaeger}
    Prometheus      ${prometheus}`;
}

/** A line of a process's output as the terminal shows it, or null to leave it in the log file. */
export function demoLine(processName: string, line: string): string | null {
  const record = parseJson(line);
  if (record) {
    if (processName === 'frontend' && record.msg === 'request') return requestLine(record);
    // A request's own errors (an injected fault, say) are in its trace, one click from its line.
    if (record.trace_id !== undefined) return null;
    return record.level === 'warn' || record.level === 'error' ? `[${processName}] ${record.level}: ${record.msg}` : null;
  }
  // The banner says so already: a Jaeger built from Go modules has no UI assets.
  if (line.includes('ui assets not embedded')) return null;
  // The Collector, Jaeger and Prometheus log "<time> <level> ..." (tab-separated) or logfmt.
  if (/\t(warn|error|fatal|panic)\t|level=(warn|error)/i.test(line)) return `[${processName}] ${line}`;
  // The services print plain text only for their own warnings (the bootstrap's export problems).
  return (SERVICE_NAMES as readonly string[]).includes(processName) ? `[${processName}] ${line}` : null;
}

function requestLine(record: Record<string, unknown>): string {
  const duration = typeof record.duration_ms === 'number' ? `${record.duration_ms.toFixed(1)} ms` : '';
  return `${record.method} ${record.path} -> ${record.status} in ${duration}  ${record.trace_url ?? ''}`.trimEnd();
}

function parseJson(line: string): Record<string, unknown> | null {
  if (!line.startsWith('{')) return null;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
}
