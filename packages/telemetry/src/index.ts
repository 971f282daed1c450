export { DEFAULT_ENABLED_INSTRUMENTATIONS, readTelemetryConfig, type TelemetryConfig, UNTRACED_PATHS } from './config';
