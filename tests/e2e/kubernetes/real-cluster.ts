/**
 * The chart on a real node of this machine (node.ts), its pods running the real images, reached
 * from the test through the frontend's and Jaeger's Services: the setup both real-node suites
 * share (real-cluster.test.ts: the contracts; day-two.test.ts: rollouts, restarts and scaling).
 *
 * It needs root and changes the host's network while it runs (node.ts), so `pnpm test` runs those
 * suites only in CI (CI=true) or when asked (REAL_CLUSTER=1); elsewhere they are reported as not
 * run. Where they run, a missing part fails them.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, REPO_ROOT, readEnvFile } from '@demo/stack';
import { ComposeProject, E2E_PROJECT, OFFLINE_ENV_FILE } from '../compose/compose-project';
import { traceIdOf } from '../contract-matcher';
import { waitForTrace } from '../jaeger';
import { GRPC_FAULT_CONTRACTS } from '../trace-contracts';
import { ensureNodeBinaries } from './binaries';
import { apply, type ControlPlane, objectPath, startControlPlane, waitFor } from './control-plane';
import { type Manifest, renderChart } from './helm';
import { forwardTcp, missingForRealNode, type RealNode, startNode } from './node';

export const NAMESPACE = 'demo';
export const REAL_CLUSTER_ENABLED = process.env.CI === 'true' || process.env.REAL_CLUSTER === '1';
/** The compose suite's project: its images are built once for the run (compose/build-images.ts). */
const IMAGE_PROJECT = E2E_PROJECT;
const PAUSE_IMAGE = `${IMAGE_PROJECT}/pause:1`;
const SERVICES = ['frontend', 'users-service', 'posts-service'];

export interface PipelineImages {
  collector: string;
  jaeger: string;
  prometheus: string;
  victoriaLogs: string;
  rabbitmq: string;
  offline: boolean;
}

export interface RealCluster {
  cluster: ControlPlane;
  node: RealNode;
  images: PipelineImages;
  frontendUrl: string;
  jaegerUrl: string;
  /** Each object the chart rendered, as the API server answered its creation. */
  applied: { object: string; status: number; warnings: string[] }[];
  readyAfterS: number;
  pipelineReadyAfterS: number;
  listPods(): Promise<Manifest[]>;
  stop(): Promise<void>;
}

export interface RealClusterOptions {
  /** The chart's ci/ values file. */
  valuesFile: string;
  /** helm's --set flags on top of it. */
  overrides: string[];
  /** The pods to wait for, by component (app.kubernetes.io/name). */
  components: Record<string, number>;
}

/** The pipeline's images: the offline stand-ins where tools/compose/offline-images.sh made them, else the official ones. */
export function pipelineImages(): PipelineImages {
  const env = readEnvFile(join(REPO_ROOT, '.env'));
  const offlineFile = join(REPO_ROOT, OFFLINE_ENV_FILE);
  const offline = existsSync(offlineFile) ? readEnvFile(offlineFile) : {};
  return {
    collector: offline.COLLECTOR_IMAGE ?? `otel/opentelemetry-collector-contrib:${env.OTEL_COLLECTOR_VERSION}`,
    jaeger: offline.JAEGER_IMAGE ?? `jaegertracing/jaeger:${env.JAEGER_VERSION}`,
    prometheus: offline.PROMETHEUS_IMAGE ?? `prom/prometheus:${env.PROMETHEUS_VERSION}`,
    victoriaLogs: offline.VICTORIA_LOGS_IMAGE ?? `victoriametrics/victoria-logs:${env.VICTORIA_LOGS_VERSION}`,
    rabbitmq: offline.RABBITMQ_IMAGE ?? `rabbitmq:${env.RABBITMQ_VERSION}`,
    offline: offline.COLLECTOR_IMAGE !== undefined,
  };
}

const imageValues = (name: string, image: string) => {
  const at = image.lastIndexOf(':');
  return [`--set`, `images.${name}.repository=${image.slice(0, at)}`, `--set-string`, `images.${name}.tag=${image.slice(at + 1)}`];
};

function buildPauseImage(): void {
  const dir = mkdtempSync(join(tmpdir(), 'pause-'));
  cpSync(join(__dirname, 'pause'), dir, { recursive: true });
  execFileSync('go', ['build', '-trimpath', '-ldflags', '-s -w', '-o', 'pause', '.'], {
    cwd: dir,
    env: { ...process.env, CGO_ENABLED: '0' },
  });
  execFileSync('docker', ['build', '--quiet', '--tag', PAUSE_IMAGE, dir], { stdio: 'ignore' });
  rmSync(dir, { recursive: true });
}

/** 127.0.0.1:<free port> to a Service's cluster IP, which kube-proxy routes from this host too. */
async function forwardToService(clusterIp: string, port: number): Promise<{ url: string; server: Server }> {
  const local = await freePort();
  return { url: `http://127.0.0.1:${local}`, server: await forwardTcp('127.0.0.1', local, clusterIp, port) };
}

export const isReady = (pod: Manifest): boolean =>
  pod.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True') ?? false;

/** The release's pods, or those of one component (app.kubernetes.io/name). */
export async function listPods(cluster: ControlPlane, component?: string): Promise<Manifest[]> {
  const selector = component ? `?labelSelector=${encodeURIComponent(`app.kubernetes.io/name=${component}`)}` : '';
  return ((await cluster.call('GET', `${objectPath('v1', 'Pod', NAMESPACE)}${selector}`)).body.items ?? []) as Manifest[];
}

/** Starts the control plane and the node, installs the chart, and waits until a trace crosses the whole pipeline. */
export async function startRealCluster({ valuesFile, overrides, components }: RealClusterOptions): Promise<RealCluster> {
  const missing = missingForRealNode();
  if (missing.length > 0) throw new Error(`this machine cannot run a real node: ${missing.join('; ')}`);
  const binaries = ensureNodeBinaries();
  const project = await ComposeProject.create({ name: IMAGE_PROJECT });
  await project.composeOrThrow(['build', ...SERVICES], 900_000);
  buildPauseImage();
  const images = pipelineImages();
  const volumes: string[] = [];
  const forwarders: Server[] = [];
  const cluster = await startControlPlane(binaries, { kwok: false });
  let node: RealNode | undefined;
  const stop = async () => {
    for (const server of forwarders) server.close();
    // Each pod stopped by its kubelet, so that the node's clean-up finds no container left.
    await cluster.call('DELETE', `/api/v1/namespaces/${NAMESPACE}`);
    await waitFor('the pods gone', 90_000, async () => (await listPods(cluster)).length === 0).catch((error) =>
      process.stderr.write(`${error}\n`),
    );
    await node?.stop();
    await cluster.stop();
    for (const path of volumes) rmSync(path, { recursive: true, force: true });
  };
  try {
    node = await startNode(
      cluster,
      binaries,
      [
        ...SERVICES.map((service) => `${IMAGE_PROJECT}-${service}:latest`),
        images.collector,
        images.jaeger,
        images.prometheus,
        images.victoriaLogs,
        images.rabbitmq,
      ],
      PAUSE_IMAGE,
    );
    const namespace = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: NAMESPACE, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
    };
    await expectCreated(cluster, '/api/v1/namespaces', namespace);
    for (const name of ['jaeger-volume', 'victoria-logs-volume', 'rabbitmq-volume']) {
      const path = mkdtempSync(join(tmpdir(), `${name}-`));
      volumes.push(path);
      chmodSync(path, 0o777);
      const volume = {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name },
        spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path } },
      };
      await expectCreated(cluster, '/api/v1/persistentvolumes', volume);
    }

    const started = Date.now();
    const applied: RealCluster['applied'] = [];
    const allOverrides = [
      '--set',
      `images.services.repositoryPrefix=${IMAGE_PROJECT}-`,
      ...imageValues('collector', images.collector),
      ...imageValues('jaeger', images.jaeger),
      ...imageValues('prometheus', images.prometheus),
      ...imageValues('victoriaLogs', images.victoriaLogs),
      ...imageValues('rabbitmq', images.rabbitmq),
      ...overrides,
    ];
    for (const manifest of renderChart(binaries.helm, valuesFile, NAMESPACE, allOverrides)) {
      // The locally built Collector of the offline path has no k8s_attributes (docs/kubernetes.md):
      // the agents then run without files/kubernetes.yaml. The spans still name their pod, from the SDK.
      if (images.offline && manifest.kind === 'DaemonSet') {
        const container = manifest.spec.template.spec.containers[0];
        container.args = container.args.filter((arg: string) => arg !== '--config=/etc/otelcol/kubernetes.yaml');
      }
      const response = await apply(cluster, manifest, NAMESPACE);
      applied.push({ object: `${manifest.kind}/${manifest.metadata.name}`, status: response.status, warnings: response.warnings });
    }
    const expectedPods = Object.values(components).reduce((sum, count) => sum + count, 0);
    await waitFor(
      'every pod Running and Ready',
      300_000,
      async () => (await listPods(cluster)).filter(isReady).length === expectedPods,
    ).catch((error) => {
      throw new Error(`${error}\n${node?.logs()}`);
    });
    const readyAfterS = (Date.now() - started) / 1000;
    const clusterIp = async (service: string) =>
      (await cluster.call('GET', objectPath('v1', 'Service', NAMESPACE, service))).body.spec.clusterIP;
    const frontend = await forwardToService(await clusterIp('frontend'), 3000);
    const jaeger = await forwardToService(await clusterIp('jaeger'), 16686);
    forwarders.push(frontend.server, jaeger.server);
    // A pod Ready is not yet a Service that answers: kube-proxy writes its rules a moment later,
    // and Jaeger's query port may open after its health port. Wait as a user at a port-forward would.
    for (const url of [`${frontend.url}/readyz`, `${jaeger.url}/api/services`]) {
      await waitFor(
        `${url} answering through its Service`,
        60_000,
        async () => (await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok,
      );
    }
    // And the three services reaching each other: until kube-proxy has written the users-service and
    // posts-service rules, the frontend answers 502 (its CLIENT span the only one past it). Only a 200
    // over gRPC crosses all three; then a first trace through the whole pipeline.
    await waitFor(
      'a request answered 200 through the three services',
      120_000,
      async () => (await fetch(`${frontend.url}/api/users/1?transport=grpc`, { signal: AbortSignal.timeout(5_000) })).status === 200,
    );
    const warmUp = GRPC_FAULT_CONTRACTS.injectedUnavailable;
    const traceId = traceIdOf((await fetch(`${frontend.url}${warmUp.path}`)).headers.get('traceresponse'));
    const pipelineReadyAfterS = (await waitForTrace(jaeger.url, traceId, warmUp.spans.length, { timeoutMs: 60_000 })).visibleAfterMs / 1000;
    return {
      cluster,
      node,
      images,
      frontendUrl: frontend.url,
      jaegerUrl: jaeger.url,
      applied,
      readyAfterS,
      pipelineReadyAfterS,
      listPods: () => listPods(cluster),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function expectCreated(cluster: ControlPlane, path: string, body: unknown): Promise<void> {
  const response = await cluster.call('POST', path, body);
  if (response.status !== 201) throw new Error(`POST ${path}: ${response.status} ${JSON.stringify(response.body)}`);
}
