import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export interface GoBinaries {
  collector: string;
  jaeger: string;
  prometheus: string;
  victoriaLogs: string;
}

/**
 * Paths of the locally built Collector, Jaeger, Prometheus and VictoriaLogs. Builds them first
 * if the cache lacks them (tools/build-go-binaries.sh; minutes the first time, instant after).
 */
export function ensureGoBinaries(repoRoot: string): GoBinaries {
  const output = execFileSync(join(repoRoot, 'tools/build-go-binaries.sh'), {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const paths = Object.fromEntries(
    output
      .split('\n')
      .map((line) => line.split('='))
      .filter((parts) => parts.length === 2),
  ) as Record<string, string | undefined>;
  if (!paths.OTELCOL_BIN || !paths.JAEGER_BIN || !paths.PROMETHEUS_BIN || !paths.VICTORIA_LOGS_BIN) {
    throw new Error(`tools/build-go-binaries.sh did not report all four binaries:\n${output}`);
  }
  return {
    collector: paths.OTELCOL_BIN,
    jaeger: paths.JAEGER_BIN,
    prometheus: paths.PROMETHEUS_BIN,
    victoriaLogs: paths.VICTORIA_LOGS_BIN,
  };
}
