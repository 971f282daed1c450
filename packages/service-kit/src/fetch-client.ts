import { HttpError } from './errors';
import { downstreamError, MAX_RESPONSE_BYTES, type ServiceClientOptions } from './http-client';

/**
 * The same client as ServiceClient, over Node's built-in fetch instead of axios. Trace context
 * needs nothing here either: the undici instrumentation (in the bootstrap) makes the CLIENT span
 * and injects `traceparent` and `baggage` into every fetch. Failures map through the same table
 * (downstreamError), so a service answers alike whichever client it uses. Node's fetch keeps
 * connections alive by itself, and drops an idle one before a Node server would (4 s < 5 s).
 */
export class FetchServiceClient {
  constructor(private readonly options: ServiceClientOptions) {}

  /** GETs JSON; downstream failures become HttpErrors with the status this service should answer. */
  async getJson<T>(path: string, params: Record<string, string | number> = {}): Promise<T> {
    const url = new URL(path, this.options.baseURL);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, String(value));
    // One deadline for the whole call, the body included, as axios's timeout is.
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    try {
      const response = await fetch(url, { signal, headers: { accept: 'application/json' } });
      const text = await response.text();
      const { service } = this.options;
      if (text.length > MAX_RESPONSE_BYTES) throw new HttpError(502, 'bad_gateway', `${service} answered over ${MAX_RESPONSE_BYTES} bytes`);
      const body = parseJson(text);
      if (!response.ok) throw downstreamError(this.options, { kind: 'status', status: response.status, body });
      if (body === undefined) throw new HttpError(502, 'bad_gateway', `${service} answered no JSON`);
      return body as T;
    } catch (error) {
      throw this.toHttpError(error, signal);
    }
  }

  private toHttpError(error: unknown, signal: AbortSignal): HttpError {
    if (error instanceof HttpError) return error;
    if (signal.aborted) return downstreamError(this.options, { kind: 'timeout' });
    // fetch's network failures are a TypeError whose cause is the socket's error (ECONNREFUSED, ...).
    const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
    return downstreamError(this.options, { kind: 'unreachable', code: typeof cause?.code === 'string' ? cause.code : 'no response' });
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
