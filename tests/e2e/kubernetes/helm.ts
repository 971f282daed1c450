import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '@demo/stack';
import { parseAllDocuments } from 'yaml';

export const CHART_DIR = join(REPO_ROOT, 'deploy/helm/otel-node-tracing-demo');
/** The values files helm lint and template run over, as the chart's ci/ folder holds them. */
export const CI_VALUES = ['default-values.yaml', 'two-replicas-values.yaml', 'tail-sampling-off-values.yaml', 'day-two-values.yaml'];

export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    deletionTimestamp?: string;
    ownerReferences?: { kind: string; name: string }[];
  };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are checked field by field by the tests
  [field: string]: any;
};

export function runHelm(helm: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  // HELM_* homes in a throwaway place: the check reads no user config and writes no cache.
  const home = join(REPO_ROOT, '.cache', 'helm-home');
  const env = {
    ...process.env,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
  };
  const result = spawnSync(helm, args, { encoding: 'utf8', env, timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `helm template` of the chart with one of its ci/ values files: the manifests, parsed. */
export function renderChart(helm: string, valuesFile: string, namespace = 'demo', extraArgs: string[] = []): Manifest[] {
  const result = runHelm(helm, [
    'template',
    'demo',
    CHART_DIR,
    '--namespace',
    namespace,
    '--values',
    join(CHART_DIR, 'ci', valuesFile),
    ...extraArgs,
  ]);
  if (result.status !== 0) throw new Error(`helm template failed (${result.status}):\n${result.stderr}`);
  return parseAllDocuments(result.stdout)
    .map((document) => document.toJS() as Manifest | null)
    .filter((manifest): manifest is Manifest => manifest !== null);
}

export function findManifest(manifests: Manifest[], kind: string, name: string): Manifest {
  const found = manifests.find((manifest) => manifest.kind === kind && manifest.metadata.name === name);
  if (!found) throw new Error(`the chart rendered no ${kind} ${name}`);
  return found;
}

/** Every pod template of the rendered workloads, with its workload's kind and name. */
export function podTemplates(manifests: Manifest[]): { workload: string; spec: Manifest['spec'] }[] {
  return manifests
    .filter((manifest) => ['Deployment', 'DaemonSet', 'StatefulSet'].includes(manifest.kind))
    .map((manifest) => ({ workload: `${manifest.kind}/${manifest.metadata.name}`, spec: manifest.spec.template.spec }));
}

/** The pods the default values make, by component, on a cluster of `nodes` nodes (an agent on each). */
export function defaultPodsByComponent(nodes: number): Record<string, number> {
  return {
    frontend: 1,
    'users-service': 1,
    'posts-service': 1,
    'otel-gateway': 2,
    jaeger: 1,
    prometheus: 1,
    'victoria-logs': 1,
    rabbitmq: 1,
    'otel-collector': nodes,
  };
}
