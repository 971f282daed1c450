/**
 * Structured logs: one JSON object per line on stdout, easy to grep by trace_id and to ship.
 * Written inside a request, a line also carries that request's trace_id and span_id: the pino
 * instrumentation in the telemetry bootstrap adds them, and sends the line over OTLP as well.
 */
import pino from 'pino';

export type LogFields = Record<string, unknown>;

export const logger = pino(
  {
    base: { service: process.env.OTEL_SERVICE_NAME },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  },
  // process.stdout rather than pino's own writer: ordinary stream semantics (and test spies).
  process.stdout,
);

export function log(level: 'info' | 'warn' | 'error', msg: string, fields: LogFields = {}): void {
  logger[level](fields, msg);
}
