import type { Server } from 'node:http';
import { log } from './log';
import { shutdownTelemetry } from './tracing';

export interface ShutdownOptions {
  /**
   * Stopped at the same time as the HTTP server (e.g. a gRPC server): stop accepting, let what is
   * in flight finish.
   */
  alsoStop?: () => Promise<void>;
  /** Released after the servers stop and before telemetry is delivered (e.g. close the database). */
  onClosed?: () => void | Promise<void>;
  /** Past this the process exits anyway, with code 1. */
  timeoutMs?: number;
}

/**
 * Graceful shutdown on SIGTERM and SIGINT: stop accepting, let in-flight requests finish,
 * release resources, deliver the spans, logs and metrics those requests produced, exit 0.
 * Bounded by timeoutMs.
 */
export function shutdownOnSignals(server: Server, { alsoStop, onClosed, timeoutMs = 8000 }: ShutdownOptions = {}): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log('info', 'shutting down', { signal });
    setTimeout(() => {
      log('error', 'shutdown timed out', { timeoutMs });
      process.exit(1);
    }, timeoutMs).unref();
    const httpStopped = new Promise<void>((resolve) => {
      // Keep-alive clients would hold their connections (and this process) open; close each one
      // as soon as its current request is done.
      const closeIdle = setInterval(() => server.closeIdleConnections(), 50);
      server.close(() => {
        clearInterval(closeIdle);
        resolve();
      });
      server.closeIdleConnections();
    });
    await Promise.all([httpStopped, alsoStop?.()]);
    await onClosed?.();
    await shutdownTelemetry().catch((error: unknown) => log('warn', 'telemetry shutdown failed', { error: String(error) }));
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
