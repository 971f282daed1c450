#!/usr/bin/env node
/**
 * pnpm trace <trace-id>       the waterfall of one trace, each span's log lines under it
 * pnpm trace --last [service] the waterfall of the latest trace (of the frontend by default)
 * --no-logs                   the spans only
 *
 * Reads Jaeger's query API at JAEGER_URL (default http://localhost:16686) and VictoriaLogs'
 * at VICTORIA_LOGS_URL (default http://localhost:9428): the ports both the compose stack and
 * the no-Docker mode publish.
 */
import { getTrace, lastTraceId } from './jaeger-api';
import { getTraceLogs, type StoredLogRecord } from './log-store-api';
import { renderWaterfall } from './waterfall';

const USAGE = 'usage: pnpm trace <trace-id> [--no-logs] | pnpm trace --last [service] [--no-logs]';
const TRACE_ID = /^[0-9a-f]{32}$/;

async function main(argv: string[]): Promise<number> {
  const jaegerUrl = baseUrl('JAEGER_URL', 'http://localhost:16686');
  const withLogs = !argv.includes('--no-logs');
  const args = argv.filter((arg) => arg !== '--no-logs');
  let traceId = args[0];
  if (traceId === '--last') {
    const service = args[1] ?? 'frontend';
    traceId = await lastTraceId(jaegerUrl, service);
    if (!traceId) return fail(`no trace of ${service} in Jaeger (${jaegerUrl}) from the past hour; curl the frontend first`);
  }
  if (!traceId || traceId === '--help' || traceId === '-h') return fail(USAGE);
  if (!TRACE_ID.test(traceId)) return fail(`"${traceId}" is not a trace id (32 lowercase hex digits)\n${USAGE}`);
  const spans = await getTrace(jaegerUrl, traceId);
  if (spans.length === 0)
    return fail(`Jaeger (${jaegerUrl}) has no trace ${traceId} (yet: spans arrive about a second after the response)`);
  console.log(renderWaterfall(spans, { logs: withLogs ? await logsOrNothing(traceId) : undefined }));
  return 0;
}

/** The trace's records; a log store that does not answer costs the log lines, not the waterfall. */
async function logsOrNothing(traceId: string): Promise<StoredLogRecord[] | undefined> {
  const logStoreUrl = baseUrl('VICTORIA_LOGS_URL', 'http://localhost:9428');
  try {
    return await getTraceLogs(logStoreUrl, traceId);
  } catch (error) {
    const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    console.error(`log records not shown: VictoriaLogs (${logStoreUrl}) did not answer (${reason}); --no-logs leaves them out`);
    return undefined;
  }
}

function baseUrl(variable: string, fallback: string): string {
  return (process.env[variable] ?? fallback).replace(/\/$/, '');
}

function fail(message: string): number {
  console.error(message);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
