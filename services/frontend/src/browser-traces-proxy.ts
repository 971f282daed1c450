import { HttpError, log } from '@demo/service-kit';
import express, { type ErrorRequestHandler, type RequestHandler, Router } from 'express';
import { BROWSER_TRACES_PATH } from './browser-telemetry';
import { RateLimiter } from './rate-limiter';

export interface BrowserTracesProxyOptions {
  /** The Collector's OTLP/HTTP traces endpoint (BROWSER_TRACES_FORWARD_URL). */
  forwardUrl: string;
  /** The one service.name a browser may write; a missing one is filled in. */
  serviceName: string;
  maxBodyBytes?: number;
  maxSpans?: number;
  rateLimit?: { burst: number; perSecond: number };
  timeoutMs?: number;
}

/** A page sends one batch a second at most; the browser's own keepalive budget is 64 KiB. */
export const BROWSER_TRACES_LIMITS = {
  maxBodyBytes: 64 * 1024,
  maxSpans: 512,
  rateLimit: { burst: 30, perSecond: 5 },
  timeoutMs: 2000,
} as const;

/**
 * The public door for the browser's spans, and so hostile ground: it takes only bounded OTLP JSON
 * from a client within its rate, refuses spans that claim to be another service, and forwards
 * the rest to the Collector, which is never exposed itself.
 */
export function browserTracesProxy(options: BrowserTracesProxyOptions): Router {
  const { maxBodyBytes, maxSpans, rateLimit, timeoutMs } = { ...BROWSER_TRACES_LIMITS, ...options };
  const limiter = new RateLimiter(rateLimit.burst, rateLimit.perSecond);
  const routes = Router();
  routes.post(
    BROWSER_TRACES_PATH,
    rateLimited(limiter),
    requireUncompressedJson,
    express.raw({ type: () => true, limit: maxBodyBytes }),
    async (req, res) => {
      const payload = parseTracesPayload(req.body as Buffer, options.serviceName, maxSpans);
      res
        .status(200)
        .type('json')
        .send(await forward(options.forwardUrl, payload, timeoutMs));
    },
  );
  routes.all(BROWSER_TRACES_PATH, (_req, res) => {
    res.set('allow', 'POST');
    throw new HttpError(405, 'method_not_allowed', `${BROWSER_TRACES_PATH} takes POST only`);
  });
  routes.use(BROWSER_TRACES_PATH, bodyTooLarge(maxBodyBytes));
  return routes;
}

function rateLimited(limiter: RateLimiter): RequestHandler {
  return (req, res, next) => {
    const waitSeconds = limiter.take(req.ip ?? 'unknown');
    if (waitSeconds === 0) return next();
    res.set('retry-after', String(waitSeconds));
    next(new HttpError(429, 'rate_limited', `too many span exports from this client; retry in ${waitSeconds} s`));
  };
}

const requireUncompressedJson: RequestHandler = (req, _res, next) => {
  if (!req.is('application/json')) {
    return next(new HttpError(415, 'unsupported_media_type', 'spans must be OTLP JSON (content-type: application/json)'));
  }
  const encoding = req.get('content-encoding');
  if (encoding && encoding !== 'identity') {
    return next(new HttpError(415, 'unsupported_media_type', `content-encoding ${encoding} is not accepted`));
  }
  next();
};

function bodyTooLarge(maxBodyBytes: number): ErrorRequestHandler {
  return (error, _req, _res, next) => {
    if ((error as { type?: unknown }).type === 'entity.too.large') {
      return next(new HttpError(413, 'payload_too_large', `span batches are limited to ${maxBodyBytes} bytes`));
    }
    next(error);
  };
}

interface OtlpAttribute {
  key: string;
  value: { stringValue?: unknown };
}

/** Checks the envelope the proxy is responsible for; the Collector checks the rest. */
export function parseTracesPayload(body: Buffer, serviceName: string, maxSpans: number): { resourceSpans: unknown[] } {
  const invalid = (why: string) => new HttpError(400, 'invalid_otlp', `not an OTLP JSON trace export: ${why}`);
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString('utf8'));
  } catch {
    throw invalid('malformed JSON');
  }
  const resourceSpans = (payload as { resourceSpans?: unknown } | null)?.resourceSpans;
  if (!Array.isArray(resourceSpans)) throw invalid('resourceSpans must be an array');
  let spanCount = 0;
  for (const entry of resourceSpans) {
    if (typeof entry !== 'object' || entry === null) throw invalid('each resourceSpans entry must be an object');
    const { scopeSpans } = entry as { scopeSpans?: unknown };
    if (!Array.isArray(scopeSpans)) throw invalid('scopeSpans must be an array');
    for (const scope of scopeSpans) spanCount += countSpans(scope, invalid);
    enforceServiceName(entry, serviceName, invalid);
  }
  if (spanCount > maxSpans) throw new HttpError(413, 'too_many_spans', `a batch holds at most ${maxSpans} spans`);
  return { resourceSpans };
}

function countSpans(scope: unknown, invalid: (why: string) => HttpError): number {
  const spans = (scope as { spans?: unknown } | null)?.spans;
  if (!Array.isArray(spans)) throw invalid('each scopeSpans entry must hold a spans array');
  return spans.length;
}

/** Fills in a missing service.name; refuses any other than `serviceName`. */
function enforceServiceName(
  entry: { resource?: { attributes?: unknown } },
  serviceName: string,
  invalid: (why: string) => HttpError,
): void {
  const { resource } = entry;
  const attributes = resource?.attributes ?? [];
  if (!Array.isArray(attributes) || !attributes.every(isAttribute)) throw invalid('resource attributes must be {key, value} pairs');
  const claimed = attributes.find((attribute) => attribute.key === 'service.name');
  if (!claimed) {
    entry.resource = { ...resource, attributes: [...attributes, { key: 'service.name', value: { stringValue: serviceName } }] };
  } else if (claimed.value.stringValue !== serviceName) {
    throw new HttpError(403, 'service_name_not_allowed', `browser spans must have service.name ${serviceName}`);
  }
}

function isAttribute(value: unknown): value is OtlpAttribute {
  const attribute = value as OtlpAttribute | null;
  return typeof attribute?.key === 'string' && typeof attribute.value === 'object' && attribute.value !== null;
}

/** Sends the batch on; whatever goes wrong upstream, the browser gets a 4xx or a 503, never a hang. */
async function forward(forwardUrl: string, payload: unknown, timeoutMs: number): Promise<string> {
  let response: Response;
  try {
    response = await fetch(forwardUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    log('warn', 'browser spans not forwarded: the Collector is unreachable', { forwardUrl, error: String(error) });
    throw new HttpError(503, 'collector_unavailable', 'the trace pipeline is unavailable; retry later');
  }
  const body = await response.text();
  if (response.ok) return body || '{}';
  if (response.status === 400) throw new HttpError(400, 'invalid_otlp', 'the trace pipeline rejected these spans');
  log('warn', 'browser spans not forwarded: the Collector refused them', { forwardUrl, status: response.status });
  throw new HttpError(503, 'collector_unavailable', 'the trace pipeline is unavailable; retry later');
}
