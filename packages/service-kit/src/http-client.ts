import { Agent as HttpAgent } from 'node:http';
import axios, { type AxiosInstance, isAxiosError } from 'axios';
import { HttpError } from './errors';

export interface ServiceClientOptions {
  /** The downstream service's name, used in error messages: "posts-service did not answer". */
  service: string;
  baseURL: string;
  /** Outbound timeout for the whole call (OUTBOUND_TIMEOUT_MS, default 2000). */
  timeoutMs: number;
  /** How long a kept-alive connection may sit idle before this client closes it. */
  idleSocketTimeoutMs?: number;
}

/** The largest answer a client reads from a downstream service. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/** Node's http server default keepAliveTimeout, which the services keep. */
export const SERVER_KEEP_ALIVE_TIMEOUT_MS = 5_000;
/**
 * A client must drop an idle connection before the server does. Otherwise a request can go out
 * on a socket the server is closing at that very moment, and fails with ECONNRESET (the
 * benchmark saw 4 such 502s in 18000 requests).
 */
export const CLIENT_IDLE_SOCKET_TIMEOUT_MS = SERVER_KEEP_ALIVE_TIMEOUT_MS - 1_000;

/**
 * An axios client for one downstream service. Trace context needs nothing here: the http
 * instrumentation injects `traceparent` into every outgoing request.
 */
export class ServiceClient {
  private readonly http: AxiosInstance;

  constructor(private readonly options: ServiceClientOptions) {
    this.http = axios.create({
      baseURL: options.baseURL,
      timeout: options.timeoutMs,
      // Reusing connections keeps a TCP handshake out of every span.
      httpAgent: new HttpAgent({ keepAlive: true, timeout: options.idleSocketTimeoutMs ?? CLIENT_IDLE_SOCKET_TIMEOUT_MS }),
      maxContentLength: MAX_RESPONSE_BYTES,
    });
  }

  /** GETs JSON; downstream failures become HttpErrors with the status this service should answer. */
  async getJson<T>(path: string, params?: Record<string, string | number>): Promise<T> {
    try {
      const response = await this.http.get<T>(path, { params });
      return response.data;
    } catch (error) {
      throw this.toHttpError(error);
    }
  }

  private toHttpError(error: unknown): HttpError {
    if (!isAxiosError(error)) return new HttpError(502, 'bad_gateway', `${this.options.service} call failed`);
    if (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT') return downstreamError(this.options, { kind: 'timeout' });
    const status = error.response?.status;
    if (status === undefined) return downstreamError(this.options, { kind: 'unreachable', code: error.code ?? 'no response' });
    return downstreamError(this.options, { kind: 'status', status, body: error.response?.data });
  }
}

/** How a call to a downstream service failed, whichever client made it (axios here, fetch in fetch-client.ts). */
export type DownstreamFailure =
  | { kind: 'timeout' }
  | { kind: 'unreachable'; code: string }
  | { kind: 'status'; status: number; body: unknown };

/** The HttpError this service answers when a downstream call fails: one table for every client. */
export function downstreamError(
  { service, timeoutMs }: Pick<ServiceClientOptions, 'service' | 'timeoutMs'>,
  failure: DownstreamFailure,
): HttpError {
  if (failure.kind === 'timeout') return new HttpError(504, 'gateway_timeout', `${service} did not answer within ${timeoutMs} ms`);
  if (failure.kind === 'unreachable') return new HttpError(502, 'bad_gateway', `${service} could not be reached (${failure.code})`);
  const { status } = failure;
  if (status === 404 || status === 504) {
    // A missing resource downstream is missing here too, and a timeout further down is still
    // a gateway timeout: pass both answers through.
    const body = failure.body as { error?: { code?: unknown; message?: unknown } } | undefined;
    const code = typeof body?.error?.code === 'string' ? body.error.code : status === 404 ? 'not_found' : 'gateway_timeout';
    const message = typeof body?.error?.message === 'string' ? body.error.message : `${service} answered ${status}`;
    return new HttpError(status, code, message);
  }
  return new HttpError(502, 'bad_gateway', `${service} answered ${status}`);
}
