import { trace } from '@opentelemetry/api';
import express, { type ErrorRequestHandler, type Express, type RequestHandler, type Router } from 'express';
import { errorBody, HttpError } from './errors';
import { applyInjectedFault } from './faults';
import { log } from './log';
import { requestLog } from './request-log';
import { isDraining } from './shutdown';

export interface ServiceAppOptions {
  /** The service's routes, mounted at /. */
  routes: Router;
  /** Is the service able to serve (database open, configuration valid)? Drives /readyz. */
  isReady: () => boolean;
  /** Middleware that runs before the routes (e.g. the frontend's traceresponse header). */
  before?: RequestHandler[];
  /** A link to a trace in Jaeger, for the request log lines (the frontend's, for users to click). */
  traceUrl?: (traceId: string) => string;
  /** This service's name, for faults addressed to it; and whether injection is on (FAULT_INJECTION_ENABLED). */
  faults?: { service: string; enabled: boolean };
}

/** Liveness and readiness probes: answered by every service, neither traced nor logged. */
export const HEALTH_PATH = '/healthz';
export const READY_PATH = '/readyz';
export const PROBE_PATHS: readonly string[] = [HEALTH_PATH, READY_PATH];

/** Bodies larger than this are refused with 413. The services only take GETs today. */
export const MAX_BODY_BYTES = 16 * 1024;

/**
 * The skeleton every service shares: health and readiness probes, JSON errors for unknown
 * routes and failures, and no stack trace or framework banner ever sent to a client.
 */
export function createServiceApp({ routes, isReady, before = [], faults, traceUrl }: ServiceAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestLog(PROBE_PATHS, traceUrl));
  app.use(closeConnectionsWhileDraining);
  if (before.length > 0) app.use(...before);
  app.use(express.json({ limit: MAX_BODY_BYTES }));
  app.get(HEALTH_PATH, (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get(READY_PATH, (_req, res) => {
    if (isDraining()) res.status(503).json({ status: 'draining' });
    else if (isReady()) res.json({ status: 'ready' });
    else res.status(503).json({ status: 'not_ready' });
  });
  if (faults) app.use(applyInjectedFault(faults.service, faults.enabled));
  app.use(routes);
  app.use((req, res) => {
    res.status(404).json(errorBody('not_found', `no route for ${req.method} ${req.path}`));
  });
  app.use(handleError);
  return app;
}

/**
 * While the process drains, each response closes its connection: a keep-alive client would
 * otherwise go on sending to this process until it stops, and the request on the wire then fails.
 * On a new connection the client reaches a process that stays.
 */
const closeConnectionsWhileDraining: RequestHandler = (_req, res, next) => {
  if (isDraining()) res.set('Connection', 'close');
  next();
};

const handleError: ErrorRequestHandler = (error, req, res, _next) => {
  const { status, code, message } = describeError(error);
  if (status >= 500) {
    // The http instrumentation marks the SERVER span as failed from the status; the exception
    // event says why.
    if (error instanceof Error) trace.getActiveSpan()?.recordException(error);
    log('error', 'request failed', { method: req.method, path: req.path, status, code, error: String(error) });
  }
  if (res.headersSent) return;
  res.status(status).json(errorBody(code, message));
};

function describeError(error: unknown): { status: number; code: string; message: string } {
  if (error instanceof HttpError) return error;
  // Express and body-parser mark the client's mistakes with a 4xx status (a malformed body, a
  // path parameter that is not valid percent-encoding). Their messages are not shown.
  const clientError = error as { status?: unknown; type?: unknown };
  if (clientError.type === 'entity.too.large') {
    return { status: 413, code: 'payload_too_large', message: `request body over ${MAX_BODY_BYTES} bytes` };
  }
  if (typeof clientError.status === 'number' && clientError.status >= 400 && clientError.status < 500) {
    const what = typeof clientError.type === 'string' ? 'request body' : 'request';
    return { status: clientError.status, code: 'bad_request', message: `malformed ${what}` };
  }
  return { status: 500, code: 'internal_error', message: 'internal error' };
}
