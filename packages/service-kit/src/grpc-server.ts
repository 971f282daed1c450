import { type handleUnaryCall, type Server, ServerCredentials, status } from '@grpc/grpc-js';
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
