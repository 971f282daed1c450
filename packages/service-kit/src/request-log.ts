import type { RequestHandler } from 'express';
import { log } from './log';
import { activeTraceparent } from './tracing';

/**
 * One log line per request (probes aside), when its response is sent. It is written in the
 * request's context, so the pino instrumentation stamps it with the trace id: the way from "this
 * request was slow" to its log lines in every service. `traceUrl` adds a link to the trace.
 */
export function requestLog(skipPaths: readonly string[], traceUrl?: (traceId: string) => string): RequestHandler {
  return (req, res, next) => {
    if (skipPaths.includes(req.path)) return next();
    const started = process.hrtime.bigint();
    const traceId = activeTraceparent()?.traceId;
    res.on('finish', () => {
      log('info', 'request', {
        method: req.method,
        path: req.originalUrl.split('?', 1)[0],
        status: res.statusCode,
        duration_ms: Number(process.hrtime.bigint() - started) / 1e6,
        ...(traceUrl && traceId && { trace_url: traceUrl(traceId) }),
      });
    });
    next();
  };
}
