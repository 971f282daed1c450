/**
 * The entry point every service preloads:
 *
 *   node --require @demo/telemetry/register dist/server.js
 *
 * It must run before the app's first `require('http')` or `require('express')`, so that the
 * instrumentations can patch them. App code never imports this file.
 */
import { readTelemetryConfig } from './config';

const config = readTelemetryConfig();
if (!config.disabled) {
  // Required lazily: with OTEL_SDK_DISABLED=true the SDK is not even loaded.
  const { startTelemetry } = require('./sdk') as typeof import('./sdk');
  startTelemetry(config);
}
