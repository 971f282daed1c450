import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireKey } from '../env-file';
import type { ProcessSpec } from '../process';
import { inheritedEnv, REPO_ROOT } from '../repo';
import type { StackPorts } from '../stack-ports';

export const SERVICE_NAMES = ['posts-service', 'users-service', 'frontend'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export const PROJECT_BOOTSTRAP = '@demo/telemetry/register';

/** The deployment.environment.name the services of this runner report (compose: docker-compose). */
export const LOCAL_ENVIRONMENT = 'local';

/** How a service is started: `node <preloadFlag> @demo/telemetry/register <entry>`. */
export interface StartLine {
  /** --require for a CommonJS service, --import for an ES module. */
  preloadFlag: '--require' | '--import';
  /** The main script, relative to the service's folder. */
  entry: string;
}

/**
 * A service's start line, from the one place it is written: the `start` script of its
 * package.json. The services' image (services/Dockerfile) runs that same script's line.
 */
export function startLine(name: ServiceName): StartLine {
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'services', name, 'package.json'), 'utf8')) as { scripts?: { start?: string } };
  const start = manifest.scripts?.start ?? '';
  const match = /^node (--require|--import) (\S+) (\S+)$/.exec(start);
  if (!match || match[2] !== PROJECT_BOOTSTRAP) {
    throw new Error(
      `services/${name}/package.json: "start" must be "node --require|--import ${PROJECT_BOOTSTRAP} <entry>", not "${start}"`,
    );
  }
  return { preloadFlag: match[1] as StartLine['preloadFlag'], entry: match[3] as string };
}

/**
 * One of the three services, started as its package.json says, or as `start` says when given,
 * preloading `preload` (the bootstrap, another module, or null for none), with any extra `nodeArgs`.
 */
export function serviceSpec(
  name: ServiceName,
  ports: StackPorts,
  serviceEnv: Record<string, string>,
  preload: string | null,
  nodeArgs: string[] = [],
  start: StartLine = startLine(name),
): ProcessSpec {
  return {
    name,
    // The Node running this runner: the project's own Node 26.
    command: process.execPath,
    args: [...nodeArgs, ...(preload ? [start.preloadFlag, preload] : []), start.entry],
    cwd: join(REPO_ROOT, 'services', name),
    env: {
      ...inheritedEnv(),
      ...serviceEnv,
      OTEL_SERVICE_NAME: name,
      PORT: String(servicePort(name, ports)),
      ...(name === 'posts-service' && { GRPC_PORT: String(ports.postsServiceGrpc) }),
    },
  };
}

/**
 * Each service's V8 heap limits from .env, as NODE_OPTIONS carries them; a caller that sets its own
 * NODE_OPTIONS replaces these, so it starts from them (a bench lever may change the young generation).
 */
export function serviceNodeOptions(dotenv: Record<string, string>, semiSpaceMb = requireKey(dotenv, 'SERVICE_SEMI_SPACE_MB')): string {
  return `--max-old-space-size=${requireKey(dotenv, 'SERVICE_HEAP_MB')} --max-semi-space-size=${semiSpaceMb}`;
}

/**
 * What all three services get, as compose gives it to them. The OTLP endpoint is the Collector's
 * port for the protocol: `otlpProtocol` when given (a test's or the bench's), else .env's.
 */
export function baseServiceEnv(dotenv: Record<string, string>, ports: StackPorts, otlpProtocol?: string): Record<string, string> {
  const protocol = otlpProtocol ?? requireKey(dotenv, 'OTEL_EXPORTER_OTLP_PROTOCOL');
  const otlpPort = protocol === 'grpc' ? ports.collectorOtlpGrpc : ports.collectorOtlpHttp;
  return {
    HOST: '127.0.0.1',
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlpPort}`,
    OTEL_BSP_SCHEDULE_DELAY: requireKey(dotenv, 'OTEL_BSP_SCHEDULE_DELAY'),
    OTEL_METRIC_EXPORT_INTERVAL: requireKey(dotenv, 'OTEL_METRIC_EXPORT_INTERVAL'),
    OTEL_RESOURCE_ATTRIBUTES: `service.namespace=${requireKey(dotenv, 'SERVICE_NAMESPACE')},deployment.environment.name=${LOCAL_ENVIRONMENT}`,
    TELEMETRY_UNTRACED_PATHS: requireKey(dotenv, 'TELEMETRY_UNTRACED_PATHS'),
    TELEMETRY_HTTP_METRICS: requireKey(dotenv, 'TELEMETRY_HTTP_METRICS'),
    OUTBOUND_TIMEOUT_MS: requireKey(dotenv, 'OUTBOUND_TIMEOUT_MS'),
    NODE_OPTIONS: serviceNodeOptions(dotenv),
    DATABASE_LATENCY_MS: requireKey(dotenv, 'DATABASE_LATENCY_MS'),
    FIX_SEQUENTIAL_FETCH: requireKey(dotenv, 'FIX_SEQUENTIAL_FETCH'),
    FAULT_INJECTION_ENABLED: requireKey(dotenv, 'FAULT_INJECTION_ENABLED'),
    OTEL_INSTRUMENTATION_GRPC_CAPTURE_METADATA_SERVER_REQUEST: requireKey(
      dotenv,
      'OTEL_INSTRUMENTATION_GRPC_CAPTURE_METADATA_SERVER_REQUEST',
    ),
    USERS_SERVICE_URL: `http://127.0.0.1:${ports.usersService}`,
    POSTS_SERVICE_URL: `http://127.0.0.1:${ports.postsService}`,
    POSTS_SERVICE_GRPC_ADDRESS: `127.0.0.1:${ports.postsServiceGrpc}`,
    JAEGER_UI_URL: `http://localhost:${ports.jaegerUi}`,
    BROWSER_TRACES_FORWARD_URL: `http://127.0.0.1:${ports.collectorOtlpHttp}/v1/traces`,
  };
}

export function servicePort(name: ServiceName, ports: StackPorts): number {
  return { frontend: ports.frontend, 'users-service': ports.usersService, 'posts-service': ports.postsService }[name];
}
