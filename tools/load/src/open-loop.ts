/**
 * Load at a fixed offered rate, open-loop: request i leaves at start + i/rate whether or not
 * earlier ones have returned, and its latency counts from that scheduled moment. A slow response
 * therefore cannot hold back the requests behind it and hide its cost (coordinated omission).
 *
 * Why not autocannon's `overallRate`: it sends each connection's quota for the second
 * back to back and then pauses until the next second, so "100 req/s over 10 connections" is a
 * burst of 10 concurrent requests; and it corrects its histogram with an expected interval of
 * 1 ms, adding synthetic samples to every response slower than that. Both inflate p50 and p99.
 */
import { Agent, type IncomingHttpHeaders, request } from 'node:http';

export interface OpenLoopResult {
  /** Every request's latency in ms, sorted ascending. */
  latenciesMs: number[];
  ok: number;
  non2xx: number;
  errors: number;
  /** The first few errors' messages, to say what failed. */
  errorSamples: string[];
}

export interface OpenLoopOptions {
  /** Aborted: no new request leaves; those in flight are still awaited. */
  signal?: AbortSignal;
  /** Called with each answered request's index, status and headers (e.g. to collect trace ids). */
  onResponse?: (i: number, status: number, headers: IncomingHttpHeaders) => void;
}

/** `target` is one URL, or request i's URL: `(i) => ...`, for a mix. */
export async function openLoop(
  target: string | ((i: number) => string),
  ratePerSec: number,
  durationS: number,
  { signal, onResponse }: OpenLoopOptions = {},
): Promise<OpenLoopResult> {
  const urlOf = typeof target === 'string' ? () => target : target;
  // Idle sockets close before the frontend's 5 s keep-alive would close them under a request.
  const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY, timeout: 4_000 });
  const total = Math.round(ratePerSec * durationS);
  const intervalMs = 1000 / ratePerSec;
  const result: OpenLoopResult = { latenciesMs: [], ok: 0, non2xx: 0, errors: 0, errorSamples: [] };
  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < total && !signal?.aborted; i++) {
    const scheduledAt = start + i * intervalMs;
    const wait = scheduledAt - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (signal?.aborted) break;
    // Late sends count from their schedule; timers fire on whole milliseconds, so an early one
    // (by a fraction of a millisecond) counts from the moment it was sent.
    const from = Math.min(scheduledAt, performance.now());
    inFlight.push(
      send(urlOf(i), agent).then(
        ({ status, headers }) => {
          result.latenciesMs.push(performance.now() - from);
          onResponse?.(i, status, headers);
          if (status >= 200 && status < 300) result.ok++;
          else result.non2xx++;
        },
        (error: Error) => {
          result.errors++;
          if (result.errorSamples.length < 5) result.errorSamples.push(`load generator: ${error.message}`);
        },
      ),
    );
  }
  await Promise.all(inFlight);
  agent.destroy();
  result.latenciesMs.sort((a, b) => a - b);
  return result;
}

function send(url: string, agent: Agent): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, timeout: 10_000 }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
      response.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
