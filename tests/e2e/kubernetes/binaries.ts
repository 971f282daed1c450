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

/** What a real node runs besides the container runtime (pnpm test:real-cluster). */
export interface NodeBinaries {
  kubelet: string;
  kubeProxy: string;
  coredns: string;
}

/** The chart checks' binaries, built from Go modules into the cache once (tools/kubernetes/build-binaries.sh). */
export function ensureKubernetesBinaries(): KubernetesBinaries {
  return parseBinaries(build([]));
}

export function ensureNodeBinaries(): KubernetesBinaries & NodeBinaries {
  const output = build(['--node']);
  const binaries = parseBinaries(output);
  const paths = keyValues(output);
  return {
    ...binaries,
    kubelet: required(paths, 'KUBELET_BIN'),
    kubeProxy: required(paths, 'KUBE_PROXY_BIN'),
    coredns: required(paths, 'COREDNS_BIN'),
  };
}

function build(args: string[]): string {
  return execFileSync(join(REPO_ROOT, 'tools/kubernetes/build-binaries.sh'), args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

const keyValues = (output: string) => new Map(output.split('\n').map((line) => line.split('=') as [string, string]));

function required(paths: Map<string, string>, key: string): string {
  const value = paths.get(key);
  if (!value) throw new Error(`tools/kubernetes/build-binaries.sh did not report ${key}`);
  return value;
}

function parseBinaries(output: string): KubernetesBinaries {
  const paths = keyValues(output);
  const path = (key: string) => required(paths, key);
  return {
    kubeApiserver: path('KUBE_APISERVER_BIN'),
    kubeControllerManager: path('KUBE_CONTROLLER_MANAGER_BIN'),
    kubeScheduler: path('KUBE_SCHEDULER_BIN'),
    etcd: path('ETCD_BIN'),
    kwok: path('KWOK_BIN'),
    helm: path('HELM_BIN'),
  };
}
