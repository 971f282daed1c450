import {
  type handleUnaryCall,
  type Metadata,
  type Server,
  ServerCredentials,
  ServerInterceptingCall,
  type ServerInterceptor,
  status,
} from '@grpc/grpc-js';
import { trace } from '@opentelemetry/api';
import { injectFault } from './faults';
import { grpcCodeName, toGrpcStatus } from './grpc-status';
import { log } from './log';

export interface UnaryHandlerOptions {
  /** This service's name, for faults addressed to it; and whether injection is on (FAULT_INJECTION_ENABLED). */
  faults: { service: string; enabled: boolean };
}

/**
 * Wraps a unary gRPC handler the way createServiceApp wraps the Express routes, so both
 * transports answer alike: first the fault the baggage addresses to this service, then `work`;
 * a thrown HttpError becomes the gRPC code of the one table (grpc-status.ts), anything else
 * INTERNAL, never a stack trace; and the HTTP path's log lines, written inside the SERVER span:
 * 'request failed' for a server error, then one 'request' line per call.
 *
 * `rpc` is the full method path, /posts.v1.PostsService/ListPosts.
 */
export function unaryHandler<Request, Response>(
  rpc: string,
  { faults }: UnaryHandlerOptions,
  work: (request: Request) => Promise<Response>,
): handleUnaryCall<Request, Response> {
  return (call, callback) => {
    const started = process.hrtime.bigint();
    const logCall = (code: status) =>
      log('info', 'request', { rpc, grpc_status_code: code, duration_ms: Number(process.hrtime.bigint() - started) / 1e6 });
    injectFault(faults.service, faults.enabled)
      .then(() => work(call.request))
      .then(
        (response) => {
          logCall(status.OK);
          callback(null, response);
        },
        (error: unknown) => {
          const failure = toGrpcStatus(error);
          if (failure.httpStatus >= 500) {
            if (error instanceof Error) trace.getActiveSpan()?.recordException(error);
            log('error', 'request failed', {
              rpc,
              grpc_status_code: failure.code,
              grpc_status: grpcCodeName(failure.code),
              code: failure.errorCode,
              error: String(error),
            });
          }
          logCall(failure.code);
          callback({ code: failure.code, details: failure.details });
        },
      );
  };
}

/** Binds `server` to host:port (insecure: the port is on the internal network only). Resolves with the port bound. */
export function bindGrpcServer(server: Server, host: string, port: number): Promise<number> {
  // gRPC reads an IPv6 literal only in brackets.
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  return new Promise((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (error, boundPort) => (error ? reject(error) : resolve(boundPort)));
  });
}

/** Lets in-flight calls finish, then stops; a stop still waiting after `timeoutMs` cancels them. */
export function stopGrpcServer(server: Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.forceShutdown(), timeoutMs);
    force.unref();
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}

/**
 * Node's HTTP server refuses request headers over 16 KiB with a 431. grpc-js has no such bound
 * (its `grpc.max_metadata_size` is a C-core option it ignores), and Node's HTTP/2 layer resets a
 * stream only past about 64 KB. This interceptor gives gRPC the HTTP server's bound: metadata over
 * `maxBytes` (counted as HTTP/2 counts a header list: name + value + 32 a field) is refused with
 * RESOURCE_EXHAUSTED before any handler, span or propagator sees it.
 */
export function requestMetadataLimit(maxBytes: number): ServerInterceptor {
  return (method, call) => {
    const intercepting: ServerInterceptingCall = new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, passOn) => {
            const bytes = metadataBytes(metadata);
            if (bytes <= maxBytes) return passOn(metadata);
            log('warn', 'request metadata over the limit', { rpc: method.path, bytes, max_bytes: maxBytes });
            intercepting.sendStatus({ code: status.RESOURCE_EXHAUSTED, details: `request metadata over ${maxBytes} bytes` });
          },
        }),
    });
    return intercepting;
  };
}

function metadataBytes(metadata: Metadata): number {
  let bytes = 0;
  for (const [key, values] of Object.entries(metadata.toHttp2Headers())) {
    for (const value of Array.isArray(values) ? values : [values]) bytes += key.length + Buffer.byteLength(String(value)) + 32;
  }
  return bytes;
}
