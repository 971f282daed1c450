#!/usr/bin/env node
/**
 * pnpm trace <trace-id>       the waterfall of one trace
 * pnpm trace --last [service] the waterfall of the latest trace (of the frontend by default)
 *
 * Reads Jaeger's query API at JAEGER_URL (default http://localhost:16686, the port both the
 * compose stack and the no-Docker mode publish).
 */
import { getTrace, lastTraceId } from './jaeger-api';
import { renderWaterfall } from './waterfall';

const USAGE = 'usage: pnpm trace <trace-id> | pnpm trace --last [service]';
const TRACE_ID = /^[0-9a-f]{32}$/;

async function main(args: string[]): Promise<number> {
  const jaegerUrl = (process.env.JAEGER_URL ?? 'http://localhost:16686').replace(/\/$/, '');
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
  console.log(renderWaterfall(spans));
  return 0;
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
