import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Where a binary came from: its project's release archive (with its UI), or a Go module build. */
export type BinarySource = 'release' | 'go';

export interface Binaries {
  collector: string;
  jaeger: string;
  prometheus: string;
  victoriaLogs: string;
  sources: { collector: BinarySource; jaeger: BinarySource; prometheus: BinarySource; victoriaLogs: BinarySource };
}

const KEYS = { collector: 'OTELCOL', jaeger: 'JAEGER', prometheus: 'PROMETHEUS', victoriaLogs: 'VICTORIA_LOGS' } as const;

/**
 * Paths of the Collector, Jaeger, Prometheus and VictoriaLogs, installed first if the cache lacks
 * them (tools/install-binaries.sh: the release archives, else the Go build, as DEMO_BINARIES says).
 * It prints one line a binary to stderr, which this passes through.
 */
export function ensureBinaries(repoRoot: string, env: NodeJS.ProcessEnv = process.env): Binaries {
  const output = execFileSync(join(repoRoot, 'tools/install-binaries.sh'), {
    encoding: 'utf8',
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return parseInstallerOutput(output);
}

/** The installer's KEY=value lines, checked: all four binaries, each with its source. */
export function parseInstallerOutput(output: string): Binaries {
  const values = new Map(
    output
      .split('\n')
      .map((line) => line.split('='))
      .filter((parts): parts is [string, string] => parts.length === 2)
      .map(([key, value]) => [key, value]),
  );
  const path = (name: keyof typeof KEYS) => {
    const value = values.get(`${KEYS[name]}_BIN`);
    if (!value) throw new Error(`tools/install-binaries.sh did not report ${KEYS[name]}_BIN:\n${output}`);
    return value;
  };
  const source = (name: keyof typeof KEYS): BinarySource => {
    const value = values.get(`${KEYS[name]}_SOURCE`);
    if (value !== 'release' && value !== 'go')
      throw new Error(`tools/install-binaries.sh reported ${KEYS[name]}_SOURCE=${value}:\n${output}`);
    return value;
  };
  return {
    collector: path('collector'),
    jaeger: path('jaeger'),
    prometheus: path('prometheus'),
    victoriaLogs: path('victoriaLogs'),
    sources: {
      collector: source('collector'),
      jaeger: source('jaeger'),
      prometheus: source('prometheus'),
      victoriaLogs: source('victoriaLogs'),
    },
  };
}
