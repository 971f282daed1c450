import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessSpec } from '../process';
import { inheritedEnv, REPO_ROOT } from '../repo';
import type { StackPorts } from '../stack-ports';

/** The Jaeger UI settings both modes use: the "Logs for this trace" link to VictoriaLogs' UI. */
export const JAEGER_UI_CONFIG = join(REPO_ROOT, 'jaeger-ui-config.json');

/** Jaeger with the repo's jaeger-config.yaml; its Badger store in `dataDir`. */
export function jaegerSpec(
  binary: string,
  ports: StackPorts,
  dataDir: string,
  uiConfigFile: string,
  extraEnv: Record<string, string> = {},
): ProcessSpec {
  return {
    name: 'jaeger',
    command: binary,
    args: ['--config', join(REPO_ROOT, 'jaeger-config.yaml')],
    cwd: REPO_ROOT,
    env: {
      ...inheritedEnv(),
      JAEGER_LISTEN_HOST: '127.0.0.1',
      // Jaeger's start-up chatter at info would drown the services' lines in the demo's output.
      JAEGER_LOG_LEVEL: process.env.JAEGER_LOG_LEVEL ?? 'warn',
      JAEGER_BADGER_DIRECTORY: dataDir,
      JAEGER_UI_CONFIG_FILE: uiConfigFile,
      JAEGER_UI_PORT: String(ports.jaegerUi),
      JAEGER_GRPC_QUERY_PORT: String(ports.jaegerGrpcQuery),
      JAEGER_OTLP_GRPC_PORT: String(ports.jaegerOtlpGrpc),
      JAEGER_OTLP_HTTP_PORT: String(ports.jaegerOtlpHttp),
      JAEGER_HEALTH_PORT: String(ports.jaegerHealth),
      JAEGER_METRICS_PORT: String(ports.jaegerMetrics),
      PROMETHEUS_URL: `http://127.0.0.1:${ports.prometheus}`,
      ...extraEnv,
    },
  };
}

/**
 * The UI settings file for a log store on `logStorePort`: the repo's own file when its links
 * already name that port, else a copy in `dir` whose links do (tests run on free ports, and a
 * user may have moved VICTORIA_LOGS_PORT in .env).
 */
export function jaegerUiConfigFor(logStorePort: number, dir: string): string {
  const original = readFileSync(JAEGER_UI_CONFIG, 'utf8');
  const moved = original.replaceAll(/\/\/localhost:\d+\//g, `//localhost:${logStorePort}/`);
  if (moved === original) return JAEGER_UI_CONFIG;
  const copy = join(dir, 'jaeger-ui-config.json');
  writeFileSync(copy, moved);
  return copy;
}
