import type { ProcessSpec } from '../process';
import { inheritedEnv, REPO_ROOT } from '../repo';
import type { StackPorts } from '../stack-ports';

export interface LogStoreLimits {
  /** Records older than this are deleted (VictoriaLogs' -retentionPeriod, e.g. 7d). */
  retention: string;
  /** The oldest days are dropped once the store holds more than this many bytes. */
  maxDiskBytes: string;
}

/** VictoriaLogs, the log store, with the flags compose gives it; its data in `dataDir`. */
export function victoriaLogsSpec(binary: string, ports: StackPorts, dataDir: string, limits: LogStoreLimits): ProcessSpec {
  return {
    name: 'victoria-logs',
    command: binary,
    args: [
      `-storageDataPath=${dataDir}`,
      `-retentionPeriod=${limits.retention}`,
      `-retention.maxDiskSpaceUsageBytes=${limits.maxDiskBytes}`,
      `-httpListenAddr=127.0.0.1:${ports.victoriaLogs}`,
      // Its start-up lines at INFO would drown the services' lines in the demo's output.
      `-loggerLevel=${process.env.VICTORIA_LOGS_LOG_LEVEL ?? 'WARN'}`,
    ],
    cwd: REPO_ROOT,
    env: inheritedEnv(),
  };
}

/** Where the Collector's logs pipeline posts OTLP/HTTP (protobuf) to VictoriaLogs. */
export function victoriaLogsIngestUrl(port: number): string {
  return `http://127.0.0.1:${port}/insert/opentelemetry/v1/logs`;
}
