/**
 * HTTP spans from Node's own hooks: a SERVER span for each request an `http` or `https` server
 * takes, a CLIENT span for each request any client makes through `http.request` (axios, got,
 * http.get), and the W3C trace context across the hop.
 *
 * It replaces `@opentelemetry/instrumentation-http` in this bootstrap because that one cost about
 * a sixth of the traced services' CPU (docs/performance.md). It keeps that one's span names, kinds,
 * statuses, stable-convention attributes and duration histograms, and computes less:
 * - clients are followed through Node's diagnostics channels (`http.client.request.created` and
 *   the rest), not by wrapping `http.request` and re-parsing its options; the URL is read from the
 *   request Node has already built;
 * - a server span's attributes come from the request line and headers as parsed, with no `URL`
 *   object, and no `Forwarded` header parsing (`client.address` is the first `X-Forwarded-For`
 *   entry, or the peer);
 * - no hooks are offered beyond the one ignore rule the bootstrap needs;
 * - a request made with tracing suppressed (the OTLP/HTTP exporters' own) gets no span and is not
 *   counted in the client histogram, so no rule is needed to leave the exports out.
 *
 * Like the upstream instrumentation it binds each server request to its context, so that a
 * listener on it runs in the trace: a body parser's 'end', which the route handlers run from, comes
 * from the socket, outside any request. Unlike it, it leaves the response alone: Node emits a
 * response's 'finish' and 'close' from the write the handler started, in the handler's context
 * already, so that binding cost CPU and changed nothing (http-instrumentation.test.ts checks both). It needs no module hook: the server side wraps `Server.prototype.emit` of `http` and
 * `https`, which every module system shares, so CommonJS, ES modules and bundles are all covered.
 */
import type * as http from 'node:http';
import {
  type Attributes,
  type Context,
  context,
  type Histogram,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  ValueType,
} from '@opentelemetry/api';
import { getRPCMetadata, isTracingSuppressed, RPCType, setRPCMetadata, suppressTracing } from '@opentelemetry/core';
import { InstrumentationBase, type InstrumentationConfig } from '@opentelemetry/instrumentation';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
  ATTR_URL_PATH,
  ATTR_URL_QUERY,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
  METRIC_HTTP_CLIENT_REQUEST_DURATION,
  METRIC_HTTP_SERVER_REQUEST_DURATION,
} from '@opentelemetry/semantic-conventions';

export interface HttpInstrumentationConfig extends InstrumentationConfig {
  /** An incoming request nothing is traced for: neither it nor what it calls (the probes). */
  ignoreIncomingRequest?: (request: http.IncomingMessage) => boolean;
}

/** The HTTP conventions' methods; any other is reported as `_OTHER`, with the original beside it. */
const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'QUERY', 'TRACE']);
/** The conventions' default buckets for the request duration histograms, in seconds. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const CLIENT_CHANNELS = ['http.client.request.created', 'http.client.response.finish', 'http.client.request.error'] as const;

interface ServerExchange {
  span: Span;
  startedAt: number;
  method: string;
  scheme: string;
}
interface ClientExchange {
  span: Span;
  startedAt: number;
  attributes: Attributes;
  ended: boolean;
}

const clientExchanges = new WeakMap<http.ClientRequest, ClientExchange>();

export class HttpInstrumentation extends InstrumentationBase<HttpInstrumentationConfig> {
  // Declared, not initialised: the base constructor calls enable() and _updateMetricInstruments()
  // before a field initialiser would run, and the initialiser would then reset what they set.
  declare private serverDuration: Histogram;
  declare private clientDuration: Histogram;
  declare private unpatch: (() => void) | undefined;
  declare private listeners: Map<string, (message: unknown) => void> | undefined;

  constructor(config: HttpInstrumentationConfig = {}) {
    super('@demo/telemetry/http', '1.0.0', config);
  }

  protected init(): [] {
    return [];
  }

  protected override _updateMetricInstruments(): void {
    const advice = { explicitBucketBoundaries: DURATION_BUCKETS };
    this.serverDuration = this.meter.createHistogram(METRIC_HTTP_SERVER_REQUEST_DURATION, {
      description: 'Duration of HTTP server requests.',
      unit: 's',
      valueType: ValueType.DOUBLE,
      advice,
    });
    this.clientDuration = this.meter.createHistogram(METRIC_HTTP_CLIENT_REQUEST_DURATION, {
      description: 'Duration of HTTP client requests.',
      unit: 's',
      valueType: ValueType.DOUBLE,
      advice,
    });
  }

  override enable(): void {
    super.enable();
    if (this.listeners) return;
    const dc = require('node:diagnostics_channel') as typeof import('node:diagnostics_channel');
    const handlers: Record<(typeof CLIENT_CHANNELS)[number], (message: never) => void> = {
      'http.client.request.created': ({ request }: { request: http.ClientRequest }) => this.onClientRequest(request),
      'http.client.response.finish': ({ request, response }: { request: http.ClientRequest; response: http.IncomingMessage }) =>
        this.onClientResponse(request, response),
      'http.client.request.error': ({ request, error }: { request: http.ClientRequest; error: Error }) =>
        this.onClientError(request, error),
    };
    this.listeners = new Map();
    for (const name of CLIENT_CHANNELS) {
      const listener = this.guarded(handlers[name] as (message: unknown) => void);
      dc.subscribe(name, listener);
      this.listeners.set(name, listener);
    }
    this.unpatch = this.patchServers();
  }

  override disable(): void {
    super.disable();
    const dc = require('node:diagnostics_channel') as typeof import('node:diagnostics_channel');
    for (const [name, listener] of this.listeners ?? []) dc.unsubscribe(name, listener);
    this.listeners = undefined;
    this.unpatch?.();
    this.unpatch = undefined;
  }

  /** Wraps `emit` on the http and https server prototypes, so that each 'request' runs inside its span. */
  private patchServers(): () => void {
    const instrumentation = this;
    const restore: (() => void)[] = [];
    for (const [module, scheme] of [
      ['node:http', 'http'],
      ['node:https', 'https'],
    ] as const) {
      const prototype = (require(module) as typeof http).Server.prototype;
      const hadOwn = Object.hasOwn(prototype, 'emit');
      const original = prototype.emit;
      prototype.emit = function emitWithSpan(this: http.Server, event: string | symbol, ...args: unknown[]) {
        if (event !== 'request') return original.apply(this, [event, ...args]);
        const [request, response] = args as [http.IncomingMessage, http.ServerResponse];
        return instrumentation.serve(scheme, request, response, () => original.apply(this, [event, ...args]));
      } as typeof prototype.emit;
      restore.push(() => {
        if (hadOwn) prototype.emit = original;
        else delete (prototype as Partial<typeof prototype>).emit;
      });
    }
    return () => {
      for (const undo of restore) undo();
    };
  }

  private serve(scheme: string, request: http.IncomingMessage, response: http.ServerResponse, handle: () => boolean): boolean {
    let requestContext: Context;
    let exchange: ServerExchange | undefined;
    try {
      if (this.getConfig().ignoreIncomingRequest?.(request)) {
        requestContext = suppressTracing(context.active());
      } else {
        const parent = propagation.extract(ROOT_CONTEXT, request.headers);
        exchange = this.startServerSpan(scheme, request, parent);
        requestContext = setRPCMetadata(trace.setSpan(parent, exchange.span), { type: RPCType.HTTP, span: exchange.span });
      }
    } catch (error) {
      this._diag.error('could not start the server span', error);
      return handle();
    }
    return context.with(requestContext, () => {
      context.bind(requestContext, request);
      if (exchange) {
        const started = exchange;
        response.once(
          'close',
          this.guarded(() => this.endServerSpan(started, response, requestContext)),
        );
      }
      return handle();
    });
  }

  private startServerSpan(scheme: string, request: http.IncomingMessage, parent: Context): ServerExchange {
    const method = request.method ?? 'GET';
    const { headers, socket } = request;
    const attributes: Attributes = {
      [ATTR_HTTP_REQUEST_METHOD]: normalizedMethod(method),
      [ATTR_URL_SCHEME]: scheme,
      [ATTR_NETWORK_PEER_ADDRESS]: socket.remoteAddress,
      [ATTR_NETWORK_PEER_PORT]: socket.remotePort,
      [ATTR_NETWORK_PROTOCOL_VERSION]: request.httpVersion,
      [ATTR_USER_AGENT_ORIGINAL]: headers['user-agent'],
      [ATTR_CLIENT_ADDRESS]: firstForwardedFor(headers['x-forwarded-for']) ?? socket.remoteAddress,
    };
    if (attributes[ATTR_HTTP_REQUEST_METHOD] !== method) attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = method;
    const url = request.url ?? '/';
    const queryAt = url.indexOf('?');
    attributes[ATTR_URL_PATH] = queryAt === -1 ? url : url.slice(0, queryAt);
    if (queryAt !== -1 && queryAt < url.length - 1) attributes[ATTR_URL_QUERY] = redacted(url.slice(queryAt + 1));
    const host = hostAndPort(headers.host, scheme === 'https' ? 443 : 80);
    if (host) {
      attributes[ATTR_SERVER_ADDRESS] = host.host;
      attributes[ATTR_SERVER_PORT] = host.port;
    }
    const span = this.tracer.startSpan(method, { kind: SpanKind.SERVER, attributes }, parent);
    return { span, startedAt: performance.now(), method: attributes[ATTR_HTTP_REQUEST_METHOD] as string, scheme };
  }

  private endServerSpan(exchange: ServerExchange, response: http.ServerResponse, requestContext: Context): void {
    const { span } = exchange;
    const status = response.statusCode;
    const metric: Attributes = { [ATTR_HTTP_REQUEST_METHOD]: exchange.method, [ATTR_URL_SCHEME]: exchange.scheme };
    // A response closed before it was written out is a failed exchange, whatever its status says.
    if (!response.writableFinished) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'the connection closed before the response was sent' });
      span.setAttribute(ATTR_ERROR_TYPE, 'aborted');
      metric[ATTR_ERROR_TYPE] = 'aborted';
    } else if (status >= 500) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.setAttribute(ATTR_ERROR_TYPE, String(status));
      metric[ATTR_ERROR_TYPE] = String(status);
    }
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    metric[ATTR_HTTP_RESPONSE_STATUS_CODE] = status;
    // Set by the express instrumentation once a route matched.
    const route = getRPCMetadata(requestContext)?.route;
    if (route !== undefined) {
      span.setAttribute(ATTR_HTTP_ROUTE, route);
      span.updateName(`${exchange.method} ${route}`);
      metric[ATTR_HTTP_ROUTE] = route;
    }
    span.end();
    this.serverDuration.record(secondsSince(exchange.startedAt), metric);
  }

  /** A tracing fault is logged, never thrown into the app. */
  private guarded<A extends unknown[]>(handler: (...args: A) => void): (...args: A) => void {
    return (...args) => {
      try {
        handler(...args);
      } catch (error) {
        this._diag.error('http instrumentation', error);
      }
    };
  }

  private onClientRequest(request: http.ClientRequest): void {
    const active = context.active();
    // The SDK's own exports run suppressed: no span, and not counted as the service's calls.
    if (isTracingSuppressed(active)) return;
    const method = request.method;
    const secure = request.protocol === 'https:';
    const port = Number((request.getHeader('host') as string | undefined)?.split(':')[1] ?? (secure ? 443 : 80));
    const host = request.host;
    const attributes: Attributes = {
      [ATTR_HTTP_REQUEST_METHOD]: normalizedMethod(method),
      [ATTR_SERVER_ADDRESS]: host,
      [ATTR_SERVER_PORT]: port,
      [ATTR_URL_FULL]: `${request.protocol}//${host}${port === (secure ? 443 : 80) ? '' : `:${port}`}${redactedPath(request.path)}`,
      [ATTR_USER_AGENT_ORIGINAL]: request.getHeader('user-agent') as string | undefined,
    };
    if (attributes[ATTR_HTTP_REQUEST_METHOD] !== method) attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = method;
    const span = this.tracer.startSpan(method, { kind: SpanKind.CLIENT, attributes }, active);
    const carrier: Record<string, string> = {};
    propagation.inject(trace.setSpan(active, span), carrier);
    for (const [name, value] of Object.entries(carrier)) request.setHeader(name, value);
    const metric: Attributes = {
      [ATTR_HTTP_REQUEST_METHOD]: attributes[ATTR_HTTP_REQUEST_METHOD],
      [ATTR_SERVER_ADDRESS]: host,
      [ATTR_SERVER_PORT]: port,
    };
    clientExchanges.set(request, { span, startedAt: performance.now(), attributes: metric, ended: false });
  }

  private onClientResponse(request: http.ClientRequest, response: http.IncomingMessage): void {
    const exchange = clientExchanges.get(request);
    if (!exchange) return;
    const status = response.statusCode ?? 0;
    exchange.span.setAttributes({
      [ATTR_HTTP_RESPONSE_STATUS_CODE]: status,
      [ATTR_NETWORK_PEER_ADDRESS]: response.socket?.remoteAddress,
      [ATTR_NETWORK_PEER_PORT]: response.socket?.remotePort,
      [ATTR_NETWORK_PROTOCOL_VERSION]: response.httpVersion,
    });
    exchange.attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = status;
    exchange.attributes[ATTR_NETWORK_PROTOCOL_VERSION] = response.httpVersion;
    if (status >= 400) {
      exchange.span.setStatus({ code: SpanStatusCode.ERROR });
      exchange.span.setAttribute(ATTR_ERROR_TYPE, String(status));
      exchange.attributes[ATTR_ERROR_TYPE] = String(status);
    }
    // Ended once the body is read, as the conventions ask; a response aborted midway is an error.
    response.once(
      'close',
      this.guarded(() => {
        if (!response.complete) this.failClientExchange(request, exchange, new Error('the response was aborted'), 'aborted');
        else this.endClientExchange(request, exchange);
      }),
    );
  }

  private onClientError(request: http.ClientRequest, error: Error): void {
    const exchange = clientExchanges.get(request);
    if (exchange) this.failClientExchange(request, exchange, error, (error as NodeJS.ErrnoException).code ?? error.name);
  }

  private failClientExchange(request: http.ClientRequest, exchange: ClientExchange, error: Error, type: string): void {
    if (exchange.ended) return;
    exchange.span.recordException(error);
    exchange.span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    exchange.span.setAttribute(ATTR_ERROR_TYPE, type);
    exchange.attributes[ATTR_ERROR_TYPE] = type;
    this.endClientExchange(request, exchange);
  }

  private endClientExchange(request: http.ClientRequest, exchange: ClientExchange): void {
    if (exchange.ended) return;
    exchange.ended = true;
    clientExchanges.delete(request);
    exchange.span.end();
    this.clientDuration.record(secondsSince(exchange.startedAt), exchange.attributes);
  }
}

/**
 * The query parameters the HTTP conventions name as carrying credentials (presigned URLs): their
 * values are recorded as REDACTED.
 */
const CREDENTIAL_PARAMETERS = /(^|&)(AWSAccessKeyId|Signature|sig|X-Goog-Signature)=[^&]*/g;

function redacted(query: string): string {
  return query.replace(CREDENTIAL_PARAMETERS, '$1$2=REDACTED');
}

function redactedPath(path: string): string {
  const queryAt = path.indexOf('?');
  return queryAt === -1 ? path : `${path.slice(0, queryAt + 1)}${redacted(path.slice(queryAt + 1))}`;
}

function normalizedMethod(method: string): string {
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : '_OTHER';
}

/** `Host: name:port` (or `[v6]:port`), the port defaulted by scheme. */
function hostAndPort(header: string | undefined, defaultPort: number): { host: string; port: number } | undefined {
  if (!header) return undefined;
  const portAt = header.lastIndexOf(':');
  if (portAt === -1 || header.endsWith(']')) return { host: header, port: defaultPort };
  const port = Number(header.slice(portAt + 1));
  return { host: header.slice(0, portAt), port: Number.isInteger(port) ? port : defaultPort };
}

function firstForwardedFor(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const first = value?.split(',', 1)[0]?.trim();
  return first || undefined;
}

function secondsSince(startedAt: number): number {
  return (performance.now() - startedAt) / 1000;
}
