import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { HttpError } from './errors';

/**
 * One table for both directions of the HTTP/gRPC boundary, after google.rpc.Code's own HTTP
 * mapping: an error a service answers with an HTTP status over HTTP gets this code over gRPC.
 */
const GRPC_CODE_FOR_HTTP_STATUS: Readonly<Record<number, GrpcStatus>> = {
  400: GrpcStatus.INVALID_ARGUMENT,
  401: GrpcStatus.UNAUTHENTICATED,
  403: GrpcStatus.PERMISSION_DENIED,
  404: GrpcStatus.NOT_FOUND,
  409: GrpcStatus.ABORTED,
  429: GrpcStatus.RESOURCE_EXHAUSTED,
  499: GrpcStatus.CANCELLED,
  500: GrpcStatus.INTERNAL,
  501: GrpcStatus.UNIMPLEMENTED,
  503: GrpcStatus.UNAVAILABLE,
  504: GrpcStatus.DEADLINE_EXCEEDED,
};

/** The gRPC code for an HTTP status; a status the table lacks maps by its class. */
export function grpcCodeForHttpStatus(httpStatus: number): GrpcStatus {
  return GRPC_CODE_FOR_HTTP_STATUS[httpStatus] ?? (httpStatus < 500 ? GrpcStatus.FAILED_PRECONDITION : GrpcStatus.INTERNAL);
}

/** The name of a gRPC code, as grpc-js spells it: 14 -> UNAVAILABLE. */
export function grpcCodeName(code: number): string {
  return GrpcStatus[code] ?? `CODE_${code}`;
}

/** A thrown error as a gRPC status a client may see: an HttpError keeps its message, anything else is INTERNAL. */
export function toGrpcStatus(error: unknown): { code: GrpcStatus; details: string; httpStatus: number; errorCode: string } {
  if (error instanceof HttpError) {
    return { code: grpcCodeForHttpStatus(error.status), details: error.message, httpStatus: error.status, errorCode: error.code };
  }
  return { code: GrpcStatus.INTERNAL, details: 'internal error', httpStatus: 500, errorCode: 'internal_error' };
}

/**
 * What a caller answers when its gRPC call fails, exactly as ServiceClient answers for the same
 * failure over HTTP: a missing resource stays a 404, a deadline is a 504, anything else a 502.
 */
export function httpErrorFromGrpc(error: Pick<ServiceError, 'code' | 'details'>, service: string, timeoutMs: number): HttpError {
  switch (error.code) {
    case GrpcStatus.NOT_FOUND:
      return new HttpError(404, 'not_found', error.details || `${service} answered NOT_FOUND`);
    case GrpcStatus.DEADLINE_EXCEEDED:
      return new HttpError(504, 'gateway_timeout', `${service} did not answer within ${timeoutMs} ms`);
    default:
      return new HttpError(502, 'bad_gateway', `${service} answered ${grpcCodeName(error.code)} over gRPC`);
  }
}
