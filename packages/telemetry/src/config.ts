/**
 * Turns the environment into the bootstrap's settings. Standard OTEL_* variables keep their
 * standard meaning (the SDK reads most of them itself); this module only decides the defaults
 * that make the demo's waterfall readable, and the few settings no OTEL_* variable covers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Instrumentations on when OTEL_NODE_ENABLED_INSTRUMENTATIONS is unset: what the demo uses. */
export const DEFAULT_ENABLED_INSTRUMENTATIONS = ['http', 'express'] as const;

/** Requests that never get a trace: the services' probes (service-kit's PROBE_PATHS) would bury the interesting traces. */
export const UNTRACED_PATHS = ['/healthz', '/readyz'] as const;

export interface TelemetryConfig {
  /** OTEL_SDK_DISABLED=true: nothing is patched or exported. */
  disabled: boolean;
  serviceName: string;
  /** Defaults for the resource; OTEL_RESOURCE_ATTRIBUTES overrides any of them. */
  resourceDefaults: Record<string, string>;
  /** Short names as OTEL_NODE_ENABLED_INSTRUMENTATIONS takes them: http, express, ... */
  enabledInstrumentations: string[];
  /** Express middleware, router and handler spans (off: they crowd the waterfall). */
  expressLayerSpans: boolean;
  /** Propagators by their OTEL_PROPAGATORS names. */
  propagators: string[];
}

type Env = Record<string, string | undefined>;

export function readTelemetryConfig(env: Env = process.env, cwd = process.cwd()): TelemetryConfig {
  return {
    disabled: isTrue(env.OTEL_SDK_DISABLED),
    serviceName: env.OTEL_SERVICE_NAME?.trim() || 'unknown_service:node',
    resourceDefaults: {
      'service.namespace': 'otel-node-tracing-demo',
      'service.version': readPackageVersion(cwd) ?? '0.0.0',
      'deployment.environment.name': 'development',
    },
    enabledInstrumentations: parseList(env.OTEL_NODE_ENABLED_INSTRUMENTATIONS) ?? [...DEFAULT_ENABLED_INSTRUMENTATIONS],
    expressLayerSpans: isTrue(env.TRACE_EXPRESS_LAYERS),
    propagators: parseList(env.OTEL_PROPAGATORS) ?? ['tracecontext', 'baggage'],
  };
}

/** The OpenTelemetry spec's boolean: only a case-insensitive "true" is true. */
function isTrue(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'true';
}

function parseList(value: string | undefined): string[] | undefined {
  const items = value
    ?.split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  return items && items.length > 0 ? items : undefined;
}

/** The service's own version, from the package.json of the folder it is started in. */
function readPackageVersion(cwd: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : undefined;
  } catch {
    return undefined;
  }
}
