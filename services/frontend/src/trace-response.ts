import { activeTraceparent, PROBE_PATHS } from '@demo/service-kit';
import type { RequestHandler } from 'express';

/**
 * Answers every request with a W3C `traceresponse` header: the trace id a user (or a test)
 * needs to find the request's waterfall in Jaeger, or to run `pnpm trace <id>`.
 */
export function traceResponse(): RequestHandler {
  return (req, res, next) => {
    const trace = PROBE_PATHS.includes(req.path) ? undefined : activeTraceparent();
    if (trace) res.setHeader('traceresponse', trace.header);
    next();
  };
}
