/** Reads Prometheus's query API, and waits for what arrives there with a delay. */
import { sleep } from './load';

export interface PromSeries {
  metric: Record<string, string>;
  value: [number, string];
}

export async function promQuery(prometheusUrl: string, query: string): Promise<PromSeries[]> {
  const response = await fetch(`${prometheusUrl}/api/v1/query?${new URLSearchParams({ query })}`);
  const body = (await response.json()) as { status: string; data?: { result: PromSeries[] } };
  if (body.status !== 'success') throw new Error(`Prometheus refused ${query}: ${JSON.stringify(body)}`);
  return body.data?.result ?? [];
}

/** Polls `read` until it returns a value that passes `done`, or fails with the last value. */
export async function eventually<T>(read: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > deadline)
      throw new Error(`${what}: not there after ${timeoutMs} ms; last seen: ${JSON.stringify(value).slice(0, 2000)}`);
    await sleep(500);
    value = await read();
  }
  return value;
}
