import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '@demo/stack';

export interface KubernetesBinaries {
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  etcd: string;
  kwok: string;
  helm: string;
}

/** The chart checks' binaries, built from Go modules into the cache once (tools/kubernetes/build-binaries.sh). */
export function ensureKubernetesBinaries(): KubernetesBinaries {
  const output = execFileSync(join(REPO_ROOT, 'tools/kubernetes/build-binaries.sh'), {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const paths = new Map(output.split('\n').map((line) => line.split('=') as [string, string]));
  const path = (key: string) => {
    const value = paths.get(key);
    if (!value) throw new Error(`tools/kubernetes/build-binaries.sh did not report ${key}:\n${output}`);
    return value;
  };
  return {
    kubeApiserver: path('KUBE_APISERVER_BIN'),
    kubeControllerManager: path('KUBE_CONTROLLER_MANAGER_BIN'),
    kubeScheduler: path('KUBE_SCHEDULER_BIN'),
    etcd: path('ETCD_BIN'),
    kwok: path('KWOK_BIN'),
    helm: path('HELM_BIN'),
  };
}
