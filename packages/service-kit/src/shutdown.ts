import type { Server } from 'node:http';
import { readIntEnv } from './config';
import { log } from './log';
import { shutdownTelemetry } from './tracing';

export interface ShutdownOptions {
  /**
   * How long to keep serving after the signal, unready and closing each connection after its
   * response, before the servers stop accepting. Behind a load balancer that learns of the stop
   * only a moment later (a Kubernetes Service: the endpoint is removed, then each node's rules
   * are rewritten), requests still arrive meanwhile. Default: SHUTDOWN_DRAIN_MS, else 0.
   */
  drainMs?: number;
  /** Called when the drain starts (e.g. a gRPC health service turned NOT_SERVING). */
  onDrain?: () => void;
  /**
   * Stopped at the same time as the HTTP server (e.g. a gRPC server): stop accepting, let what is
   * in flight finish.
   */
  alsoStop?: () => Promise<void>;
  /** Released after the servers stop and before telemetry is delivered (e.g. close the database). */
  onClosed?: () => void | Promise<void>;
  /** Past the drain and this, the process exits anyway, with code 1. */
  timeoutMs?: number;
}

let draining = false;

/** True once a stop signal came: /readyz answers 503 and every response closes its connection. */
export function isDraining(): boolean {
  return draining;
}

/**
 * Graceful shutdown on SIGTERM and SIGINT: drain (drainMs), then stop accepting, let in-flight
 * requests finish, release resources, deliver the spans, logs and metrics those requests
 * produced, exit 0. Bounded by drainMs + timeoutMs.
 */
export function shutdownOnSignals(
  server: Server,
  {
    drainMs = readIntEnv('SHUTDOWN_DRAIN_MS', 0, process.env, { min: 0, max: 120_000 }),
    onDrain,
    alsoStop,
    onClosed,
    timeoutMs = 8000,
  }: ShutdownOptions = {},
): void {
  const stop = async (signal: NodeJS.Signals) => {
    if (draining) return;
    draining = true;
    log('info', 'shutting down', { signal, drainMs });
    setTimeout(() => {
      log('error', 'shutdown timed out', { timeoutMs: drainMs + timeoutMs });
      process.exit(1);
    }, drainMs + timeoutMs).unref();
    onDrain?.();
    await new Promise((resolve) => setTimeout(resolve, drainMs));
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
