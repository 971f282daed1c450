export { createServiceApp, MAX_BODY_BYTES, PROBE_PATHS, type ServiceAppOptions } from './app';
export { readBoolEnv, readIntEnv, readStringEnv } from './config';
export { DEMO_USER_COUNT, dbSpanAttributes, EmbeddedDatabase, pick, type QueryDescription, seededRandom } from './database';
export { badRequest, type ErrorBody, errorBody, HttpError, notFound } from './errors';
export {
  applyInjectedFault,
  FAULT_BAGGAGE_KEY,
  faultFromQuery,
  formatFault,
  type InjectedFault,
  MAX_FAULT_DELAY_MS,
  parseFault,
} from './faults';
export { CLIENT_IDLE_SOCKET_TIMEOUT_MS, SERVER_KEEP_ALIVE_TIMEOUT_MS, ServiceClient, type ServiceClientOptions } from './http-client';
export { MAX_ID, parseId } from './ids';
export { type LogFields, log, logger } from './log';
export { requestLog } from './request-log';
export { type ShutdownOptions, shutdownOnSignals } from './shutdown';
export { activeTraceparent, setRequestAttribute, shutdownTelemetry, withSpan } from './tracing';
