/**
 * What `pnpm demo` shows in its terminal: a screenful a newcomer can read. One line per request
 * (the frontend's, with its trace link), and any warning or error from any part. Everything each
 * process prints still goes to its log file.
 */

import { SERVICE_NAMES } from './stack';

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
