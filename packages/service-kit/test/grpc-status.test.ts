import { status } from '@grpc/grpc-js';
import { grpcCodeForHttpStatus, grpcCodeName, HttpError, httpErrorFromGrpc, toGrpcStatus } from '../src';

describe('the HTTP status -> gRPC code table', () => {
  test.each([
    [400, 'INVALID_ARGUMENT'],
    [401, 'UNAUTHENTICATED'],
    [403, 'PERMISSION_DENIED'],
    [404, 'NOT_FOUND'],
    [409, 'ABORTED'],
    [429, 'RESOURCE_EXHAUSTED'],
    [499, 'CANCELLED'],
    [500, 'INTERNAL'],
    [501, 'UNIMPLEMENTED'],
    [503, 'UNAVAILABLE'],
    [504, 'DEADLINE_EXCEEDED'],
    // Not in the table: by class.
    [418, 'FAILED_PRECONDITION'],
    [502, 'INTERNAL'],
  ])('%i is %s', (httpStatus, name) => {
    expect(grpcCodeName(grpcCodeForHttpStatus(httpStatus))).toBe(name);
  });

  test('an HttpError keeps its message; anything else is INTERNAL with nothing of its own shown', () => {
    expect(toGrpcStatus(new HttpError(503, 'injected_fault', 'fault injected'))).toEqual({
      code: status.UNAVAILABLE,
      details: 'fault injected',
      httpStatus: 503,
      errorCode: 'injected_fault',
    });
    expect(toGrpcStatus(new Error('SQLITE_CORRUPT at /var/lib/secret.db'))).toEqual({
      code: status.INTERNAL,
      details: 'internal error',
      httpStatus: 500,
      errorCode: 'internal_error',
    });
  });
});

describe('a failed gRPC call answers as the same failure over HTTP does', () => {
  const answer = (code: status, details = '') => {
    const { status: httpStatus, code: errorCode, message } = httpErrorFromGrpc({ code, details }, 'posts-service', 2000);
    return { httpStatus, errorCode, message };
  };

  test('NOT_FOUND passes through as 404, with the server message', () => {
    expect(answer(status.NOT_FOUND, 'no such user')).toEqual({ httpStatus: 404, errorCode: 'not_found', message: 'no such user' });
  });

  test('DEADLINE_EXCEEDED is a 504 that names the timeout', () => {
    expect(answer(status.DEADLINE_EXCEEDED)).toEqual({
      httpStatus: 504,
      errorCode: 'gateway_timeout',
      message: 'posts-service did not answer within 2000 ms',
    });
  });

  test.each([status.UNAVAILABLE, status.INVALID_ARGUMENT, status.INTERNAL, status.RESOURCE_EXHAUSTED, status.UNKNOWN])(
    'code %i is a 502 that names it, not the server details',
    (code) => {
      expect(answer(code, 'stack trace here')).toEqual({
        httpStatus: 502,
        errorCode: 'bad_gateway',
        message: `posts-service answered ${grpcCodeName(code)} over gRPC`,
      });
    },
  );
});
