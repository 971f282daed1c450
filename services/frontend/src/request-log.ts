import { activeTraceparent, log, PROBE_PATHS } from '@demo/service-kit';
import type { RequestHandler } from 'express';

/**
 * Answers every request with a W3C `traceresponse` header and logs one line per request with
 * the trace id and a link to the trace in Jaeger: the way from "this request was slow" to its
 * waterfall.
 */
export function traceResponseAndLog(jaegerUiUrl: string): RequestHandler {
  return (req, res, next) => {
    if (PROBE_PATHS.includes(req.path)) return next();
    const started = process.hrtime.bigint();
    const trace = activeTraceparent();
    if (trace) res.setHeader('traceresponse', trace.header);
    res.on('finish', () => {
      log('info', 'request', {
        method: req.method,
        path: req.originalUrl.split('?', 1)[0],
        status: res.statusCode,
        duration_ms: Number(process.hrtime.bigint() - started) / 1e6,
        trace_id: trace?.traceId,
        trace_url: trace ? `${jaegerUiUrl}/trace/${trace.traceId}` : undefined,
      });
    });
    next();
  };
}
