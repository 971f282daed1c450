export { bundleOptions, INSTRUMENTED_PACKAGES } from './bundling';
export {
  DEFAULT_ENABLED_INSTRUMENTATIONS,
  DEFAULT_UNTRACED_PATHS,
  isUntracedUrl,
  readTelemetryConfig,
  type TelemetryConfig,
  UNTRACED_GRPC_METHODS,
} from './config';
