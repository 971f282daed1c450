export { bundleOptions, INSTRUMENTED_PACKAGES } from './bundling';
export {
  DEFAULT_ENABLED_INSTRUMENTATIONS,
  isUntracedUrl,
  readTelemetryConfig,
  type TelemetryConfig,
  UNTRACED_GRPC_METHODS,
  UNTRACED_PATH_PREFIXES,
  UNTRACED_PATHS,
} from './config';
