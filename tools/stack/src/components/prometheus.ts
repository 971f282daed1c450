import { join } from 'node:path';
import type { ProcessSpec } from '../process';
import { inheritedEnv, REPO_ROOT } from '../repo';
import type { StackPorts } from '../stack-ports';

/** Prometheus with the repo's prometheus.yml, as compose runs it; its database in `dataDir`. */
export function prometheusSpec(binary: string, ports: StackPorts, dataDir: string): ProcessSpec {
  return {
    name: 'prometheus',
    command: binary,
    args: [
      `--config.file=${join(REPO_ROOT, 'prometheus.yml')}`,
      // The Collector pushes metrics here (its prometheus_remote_write exporter).
      '--web.enable-remote-write-receiver',
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${ports.prometheus}`,
      '--log.level=warn',
    ],
    cwd: dataDir,
    env: inheritedEnv(),
  };
}
