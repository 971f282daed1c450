/**
 * pnpm load: steady, modest traffic against the frontend until stopped (Ctrl-C or SIGTERM,
 * as `docker compose --profile load up` stops it). Both transports, unknown users, and now and
 * then a fault (traffic-mix.ts), sent open-loop by the bench's own generator.
 *
 *   pnpm load [--rate <req/s>] [--duration <s>] [--target <url>]
 *
 * The defaults come from the environment: LOAD_RATE, and the frontend at FRONTEND_PORT (pnpm load
 * reads them from .env; compose sets LOAD_RATE and LOAD_TARGET_URL).
 *
 * It is an outside client: it preloads no bootstrap, so each request starts its own trace at
 * the frontend. Faults need FAULT_INJECTION_ENABLED=true there (compose and pnpm demo have it);
 * elsewhere those requests are refused with a 400, and the rest of the mix goes on.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openLoop } from './open-loop';
import { mixPath } from './traffic-mix';

/** Each round is awaited whole, so no more than a round's requests are ever in flight. */
const ROUND_S = 5;
const MAX_RATE = 50;
const DEFAULT_RATE = 5;

function readOptions() {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string', default: process.env.LOAD_RATE ?? String(DEFAULT_RATE) },
      duration: { type: 'string', default: process.env.LOAD_DURATION_S ?? '0' },
      target: { type: 'string', default: process.env.LOAD_TARGET_URL ?? `http://localhost:${process.env.FRONTEND_PORT ?? 3000}` },
    },
  });
  const rate = Number(values.rate);
  const durationS = Number(values.duration);
  if (!(rate > 0 && rate <= MAX_RATE)) throw new Error(`--rate must be above 0 and at most ${MAX_RATE} requests/s, got "${values.rate}"`);
  if (!(durationS >= 0)) throw new Error(`--duration must be 0 (until stopped) or a number of seconds, got "${values.duration}"`);
  return { rate, durationS, target: new URL(values.target).origin };
}

async function main(): Promise<void> {
  const { rate, durationS, target } = readOptions();
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stop.abort());
  console.log(
    `load: ${rate} req/s to ${target}, ${durationS > 0 ? `for ${durationS} s` : 'until stopped'} (HTTP and gRPC in turn, unknown users, faults)`,
  );
  const totals = { sent: 0, ok: 0, non2xx: 0, errors: 0 };
  const started = Date.now();
  let next = 0;
  while (!stop.signal.aborted && (durationS === 0 || Date.now() - started < durationS * 1000)) {
    const roundS = durationS === 0 ? ROUND_S : Math.min(ROUND_S, durationS - (Date.now() - started) / 1000);
    const first = next;
    const round = await openLoop((i) => `${target}${mixPath(first + i)}`, rate, roundS, { signal: stop.signal });
    const sent = round.ok + round.non2xx + round.errors;
    next += sent;
    totals.sent += sent;
    totals.ok += round.ok;
    totals.non2xx += round.non2xx;
    totals.errors += round.errors;
    for (const sample of round.errorSamples.slice(0, 1)) console.error(sample);
    // For a container healthcheck: still sending (LOAD_HEARTBEAT_FILE, set by compose).
    if (process.env.LOAD_HEARTBEAT_FILE) writeFileSync(process.env.LOAD_HEARTBEAT_FILE, `${Date.now()}\n`);
  }
  console.log(`load: stopped after ${((Date.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify(totals)}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`load: ${(error as Error).message}`);
    process.exit(2);
  },
);
