export { createServiceApp, MAX_BODY_BYTES, PROBE_PATHS, type ServiceAppOptions } from './app';
export { readBoolEnv, readIntEnv, readStringEnv } from './config';
export { DEMO_USER_COUNT, dbSpanAttributes, EmbeddedDatabase, pick, type QueryDescription, seededRandom } from './database';
export { edgeBaggageFromQuery } from './edge-baggage';
export { badRequest, type ErrorBody, errorBody, HttpError, notFound } from './errors';
export {
  applyInjectedFault,
  FAULT_BAGGAGE_KEY,
  formatFault,
  type InjectedFault,
  injectFault,
  MAX_FAULT_DELAY_MS,
  parseFault,
} from './faults';
export { FetchServiceClient } from './fetch-client';
export { bindGrpcServer, requestMetadataLimit, stopGrpcServer, type UnaryHandlerOptions, unaryHandler } from './grpc-server';
export { grpcCodeForHttpStatus, grpcCodeName, httpErrorFromGrpc, toGrpcStatus } from './grpc-status';
export {
  CLIENT_IDLE_SOCKET_TIMEOUT_MS,
  type DownstreamFailure,
  downstreamError,
  MAX_RESPONSE_BYTES,
  SERVER_KEEP_ALIVE_TIMEOUT_MS,
  ServiceClient,
  type ServiceClientOptions,
} from './http-client';
export { MAX_ID, parseId } from './ids';
export { type LogFields, log, logger } from './log';
export { requestLog } from './request-log';
export { type ShutdownOptions, shutdownOnSignals } from './shutdown';
export { activeTraceparent, setRequestAttribute, shutdownTelemetry, withSpan } from './tracing';
export { DEFAULT_TRANSPORT, parseTransport, requestedTransport, TRANSPORT_BAGGAGE_KEY, TRANSPORTS, type Transport } from './transport';
