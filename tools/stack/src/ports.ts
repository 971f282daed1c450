import { createServer } from 'node:net';

/**
 * Where free ports are picked: below the kernel's ephemeral range (Linux 32768-60999, macOS
 * 49152-65535). The kernel hands ports from that range to every outgoing connection, so a port
 * found free there (e.g. by listening on port 0) is often taken by some client socket, such as
 * a load test in a parallel jest worker, before the server meant for it binds it.
 */
const PICK_FROM = 20_000;
const PICK_TO = 32_767;

/** A TCP port on 127.0.0.1 that was free a moment ago, not one of `exclude`. */
export async function freePort(exclude: ReadonlySet<number> = new Set()): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = PICK_FROM + Math.floor(Math.random() * (PICK_TO - PICK_FROM + 1));
    if (!exclude.has(port) && (await isPortFree(port))) return port;
  }
  throw new Error(`no free port found between ${PICK_FROM} and ${PICK_TO}`);
}

export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Resolves once `url` answers 200, or rejects at the deadline with what it last saw. */
export async function waitForHttpOk(url: string, timeoutMs: number, isAlive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastSeen = 'no answer';
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`process exited before ${url} answered`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
      lastSeen = `HTTP ${response.status}`;
    } catch (error) {
      lastSeen = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${lastSeen})`);
}
