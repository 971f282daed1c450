/**
 * What both entries do, `--require` (register.ts) and `--import` (register-esm.mts): read the
 * OTEL_* environment, start the SDK, and schedule the self-check. They differ only in how they
 * get in ahead of the app.
 */
import { diag } from '@opentelemetry/api';
import type { Instrumentation, InstrumentationModuleDefinition } from '@opentelemetry/instrumentation';
import { readTelemetryConfig } from './config';
import type { StartedTelemetry } from './sdk';
import { type Entry, scheduleSelfCheck } from './self-check';

/** Starts telemetry unless OTEL_SDK_DISABLED=true; returns what started, or undefined. */
export function startFromEnvironment(entry: Entry): StartedTelemetry | undefined {
  // Before the SDK loads: what is in require's cache now was loaded ahead of the bootstrap.
  const preloadedFiles = Object.keys(require.cache);
  const config = readTelemetryConfig();
  if (config.disabled) return undefined;
  // Required lazily: with OTEL_SDK_DISABLED=true the SDK is not even loaded.
  const { startTelemetry } = require('./sdk') as typeof import('./sdk');
  const started = startTelemetry(config);
  scheduleSelfCheck(entry, preloadedFiles, started.instrumentations, (line) => diag.warn(line));
  return started;
}

/** The modules the enabled instrumentations patch, by the names the ES-module hook matches. */
export function instrumentedModuleNames(started: StartedTelemetry): string[] {
  const names = [...started.instrumentations.values()].flatMap((instrumentation) =>
    moduleDefinitions(instrumentation).map((definition) => definition.name),
  );
  return [...new Set(names)];
}

/** The modules an instrumentation hooks (InstrumentationBase's; an instrumentation with none, such as undici's, has []). */
function moduleDefinitions(instrumentation: Instrumentation): InstrumentationModuleDefinition[] {
  const base = instrumentation as Instrumentation & { getModuleDefinitions?: () => InstrumentationModuleDefinition[] };
  return base.getModuleDefinitions?.() ?? [];
}
