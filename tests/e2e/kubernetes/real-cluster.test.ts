/**
 * `pnpm test:real-cluster`: the chart on a real node of this machine (node.ts), its pods running
 * the real images, and a request's trace read back from Jaeger: the gRPC fault contract kept
 * through agent, tail-sampling gateway and Jaeger, every span naming the pod it came from.
 *
 * It needs root and changes the host's network while it runs (node.ts), so `pnpm test` runs it only
 * in CI (CI=true) or when asked (REAL_CLUSTER=1, as `pnpm test:real-cluster` sets); elsewhere it is
 * reported as not run. Where it runs, a missing part fails it.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, REPO_ROOT, readEnvFile } from '@demo/stack';
import { ComposeProject, E2E_PROJECT, OFFLINE_ENV_FILE } from '../compose/compose-project';
import { traceIdOf } from '../contract-matcher';
import { expectContractKept } from '../contract-suite';
import { waitForTrace } from '../jaeger';
import { GRPC_FAULT_CONTRACTS } from '../trace-contracts';
import { ensureNodeBinaries } from './binaries';
import { apply, type ControlPlane, objectPath, startControlPlane, waitFor } from './control-plane';
import { defaultPodsByComponent, type Manifest, renderChart } from './helm';
import { forwardTcp, missingForRealNode, NODE_NAME, type RealNode, startNode } from './node';

jest.setTimeout(900_000);

const NAMESPACE = 'demo';
/** The compose suite's project: its images are built once for the run (compose/build-images.ts). */
const IMAGE_PROJECT = E2E_PROJECT;
const PAUSE_IMAGE = `${IMAGE_PROJECT}/pause:1`;
const ENABLED = process.env.CI === 'true' || process.env.REAL_CLUSTER === '1';
const volumes: string[] = [];
const COMPONENTS = defaultPodsByComponent(1);

/** The pipeline's images: the offline stand-ins where tools/compose/offline-images.sh made them, else the official ones. */
function pipelineImages(): {
  collector: string;
  jaeger: string;
  prometheus: string;
  victoriaLogs: string;
  rabbitmq: string;
  offline: boolean;
} {
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

let cluster: ControlPlane | undefined;
const listPods = async () =>
  ((await (cluster as ControlPlane).call('GET', objectPath('v1', 'Pod', NAMESPACE))).body.items ?? []) as Manifest[];
let node: RealNode | undefined;
const forwarders: Server[] = [];
const applied: { object: string; status: number; warnings: string[] }[] = [];
const images = pipelineImages();
let frontendUrl = '';
let jaegerUrl = '';
let readyAfterS = 0;
let pipelineReadyAfterS = 0;

const describeWhereEnabled = ENABLED ? describe : describe.skip;

describeWhereEnabled(
  'the chart on a real node (run in CI and by pnpm test:real-cluster: it needs root and changes the host network)',
  () => {
    beforeAll(async () => {
      const missing = missingForRealNode();
      if (missing.length > 0) throw new Error(`this machine cannot run a real node: ${missing.join('; ')}`);
      const binaries = ensureNodeBinaries();
      const project = await ComposeProject.create({ name: IMAGE_PROJECT });
      await project.composeOrThrow(['build', 'frontend', 'users-service', 'posts-service'], 900_000);
      buildPauseImage();
      const services = ['frontend', 'users-service', 'posts-service'].map((service) => `${IMAGE_PROJECT}-${service}:latest`);

      cluster = await startControlPlane(binaries, { kwok: false });
      node = await startNode(
        cluster,
        binaries,
        [...services, images.collector, images.jaeger, images.prometheus, images.victoriaLogs, images.rabbitmq],
        PAUSE_IMAGE,
      );

      const namespace = {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: NAMESPACE, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
      };
      expect((await cluster.call('POST', '/api/v1/namespaces', namespace)).status).toBe(201);
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
        expect((await cluster.call('POST', '/api/v1/persistentvolumes', volume)).status).toBe(201);
      }

      const started = Date.now();
      const overrides = [
        '--set',
        `images.services.repositoryPrefix=${IMAGE_PROJECT}-`,
        '--set',
        'demo.faultInjection=true',
        ...imageValues('collector', images.collector),
        ...imageValues('jaeger', images.jaeger),
        ...imageValues('prometheus', images.prometheus),
        ...imageValues('victoriaLogs', images.victoriaLogs),
        ...imageValues('rabbitmq', images.rabbitmq),
      ];
      for (const manifest of renderChart(binaries.helm, 'default-values.yaml', NAMESPACE, overrides)) {
        // The locally built Collector of the offline path has no k8s_attributes (docs/kubernetes.md):
        // the agents then run without files/kubernetes.yaml. The spans still name their pod, from the SDK.
        if (images.offline && manifest.kind === 'DaemonSet') {
          const container = manifest.spec.template.spec.containers[0];
          container.args = container.args.filter((arg: string) => arg !== '--config=/etc/otelcol/kubernetes.yaml');
        }
        const response = await apply(cluster, manifest, NAMESPACE);
        applied.push({ object: `${manifest.kind}/${manifest.metadata.name}`, status: response.status, warnings: response.warnings });
      }
      await waitFor('every pod Running and Ready', 300_000, async () => {
        const pods = await listPods();
        const ready = pods.filter((pod) =>
          pod.status.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True'),
        );
        return ready.length === Object.values(COMPONENTS).reduce((sum, count) => sum + count, 0);
      }).catch((error) => {
        throw new Error(`${error}\n${node?.logs()}`);
      });
      readyAfterS = (Date.now() - started) / 1000;
      const clusterIp = async (service: string) =>
        (await (cluster as ControlPlane).call('GET', objectPath('v1', 'Service', NAMESPACE, service))).body.spec.clusterIP;
      const frontend = await forwardToService(await clusterIp('frontend'), 3000);
      const jaeger = await forwardToService(await clusterIp('jaeger'), 16686);
      forwarders.push(frontend.server, jaeger.server);
      frontendUrl = frontend.url;
      jaegerUrl = jaeger.url;
      // A pod Ready is not yet a Service that answers: kube-proxy writes its rules a moment later,
      // and Jaeger's query port may open after its health port. Wait as a user at a port-forward would.
      for (const url of [`${frontendUrl}/readyz`, `${jaegerUrl}/api/services`]) {
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
        async () => (await fetch(`${frontendUrl}/api/users/1?transport=grpc`, { signal: AbortSignal.timeout(5_000) })).status === 200,
      );
      const warmUp = GRPC_FAULT_CONTRACTS.injectedUnavailable;
      const traceId = traceIdOf((await fetch(`${frontendUrl}${warmUp.path}`)).headers.get('traceresponse'));
      pipelineReadyAfterS = (await waitForTrace(jaegerUrl, traceId, warmUp.spans.length, { timeoutMs: 60_000 })).visibleAfterMs / 1000;
    });

    afterAll(async () => {
      for (const server of forwarders) server.close();
      if (cluster) {
        // Each pod stopped by its kubelet, so that the node's clean-up finds no container left.
        await cluster.call('DELETE', `/api/v1/namespaces/${NAMESPACE}`);
        await waitFor('the pods gone', 90_000, async () => (await listPods()).length === 0).catch((error) =>
          process.stderr.write(`${error}\n`),
        );
      }
      await node?.stop();
      await cluster?.stop();
      for (const path of volumes) rmSync(path, { recursive: true, force: true });
    });

    test('every object of the chart is accepted under restricted, and every pod runs its real image and turns Ready', async () => {
      expect(applied.filter((result) => result.status >= 300 || result.warnings.length > 0)).toEqual([]);
      const pods = await listPods();
      const byComponent: Record<string, number> = {};
      for (const pod of pods) {
        const component = pod.metadata.labels?.['app.kubernetes.io/name'] ?? 'unlabelled';
        byComponent[component] = (byComponent[component] ?? 0) + 1;
        expect([pod.metadata.name, pod.status.phase, pod.spec.nodeName]).toEqual([pod.metadata.name, 'Running', NODE_NAME]);
      }
      expect(byComponent).toEqual(COMPONENTS);
      process.stdout.write(
        `[real-cluster report] ${JSON.stringify({ pods: pods.length, readyAfterS, pipelineReadyAfterS, pipelineImages: images.offline ? 'offline stand-ins' : 'official' })}\n`,
      );
    });

    test('a gRPC fault crosses the three pods and Jaeger holds its contract, every span naming its pod and node', async () => {
      const { spans } = await expectContractKept(
        { frontendUrl, jaegerUrl, environment: 'kubernetes' },
        GRPC_FAULT_CONTRACTS.injectedUnavailable,
      );
      const pods = (await listPods()).map((pod) => ({
        name: pod.metadata.name,
        component: pod.metadata.labels?.['app.kubernetes.io/name'],
      }));
      for (const span of spans) {
        const pod = pods.find((candidate) => candidate.name === span.resource['k8s.pod.name']);
        expect([span.service, span.name, pod?.component, span.resource['k8s.node.name'], span.resource['k8s.namespace.name']]).toEqual([
          span.service,
          span.name,
          span.service,
          NODE_NAME,
          NAMESPACE,
        ]);
        if (!images.offline) expect(span.resource['k8s.deployment.name']).toBe(span.service);
      }
    });

    test("a view event that fails every attempt crosses the broker's pod: PRODUCER, then 3 CONSUMER attempts in the request's trace, kept by the tail sampler", async () => {
      const attempts = 3;
      const response = await fetch(`${frontendUrl}/api/users/1?fault=view-recorder:error=500`);
      expect(response.status).toBe(200);
      const traceId = traceIdOf(response.headers.get('traceresponse'));
      // The request's 8 spans, the PRODUCER, and each attempt's CONSUMER span with its injected_fault.
      const { spans, visibleAfterMs } = await waitForTrace(jaegerUrl, traceId, 8 + 1 + 2 * attempts, { timeoutMs: 60_000 });
      const producer = spans.find((span) => span.kind === 'PRODUCER');
      const consumers = spans.filter((span) => span.kind === 'CONSUMER').sort((a, b) => a.startUs - b.startUs);
      expect(consumers.map((span) => [span.parentSpanId, span.attributes['demo.delivery.attempt'], span.status])).toEqual(
        [1, 2, 3].map((attempt) => [producer?.spanId, attempt, 'ERROR']),
      );
      expect(producer?.resource['k8s.pod.name']).toMatch(/^posts-service-/);
      process.stdout.write(
        `[real-cluster report] ${JSON.stringify({ viewEvent: { spans: spans.length, attempts: consumers.length, visibleAfterMs } })}\n`,
      );
    });
  },
);
