/**
 * `pnpm test:real-cluster`: the chart on a real node of this machine (real-cluster.ts), its pods
 * running the real images, and a request's trace read back from Jaeger: the gRPC fault contract
 * kept through agent, tail-sampling gateway and Jaeger, every span naming the pod it came from.
 * It runs in CI and where asked (REAL_CLUSTER=1): real-cluster.ts says why.
 */
import { traceIdOf } from '../contract-matcher';
import { expectContractKept } from '../contract-suite';
import { waitForTrace } from '../jaeger';
import { GRPC_FAULT_CONTRACTS } from '../trace-contracts';
import { defaultPodsByComponent } from './helm';
import { NODE_NAME } from './node';
import { NAMESPACE, REAL_CLUSTER_ENABLED, type RealCluster, startRealCluster } from './real-cluster';

jest.setTimeout(900_000);

const COMPONENTS = defaultPodsByComponent(1);
let real: RealCluster;
const describeWhereEnabled = REAL_CLUSTER_ENABLED ? describe : describe.skip;

describeWhereEnabled(
  'the chart on a real node (run in CI and by pnpm test:real-cluster: it needs root and changes the host network)',
  () => {
    beforeAll(async () => {
      real = await startRealCluster({
        valuesFile: 'default-values.yaml',
        overrides: ['--set', 'demo.faultInjection=true'],
        components: COMPONENTS,
      });
    });

    afterAll(async () => {
      await real?.stop();
    });

    test('every object of the chart is accepted under restricted, and every pod runs its real image and turns Ready', async () => {
      expect(real.applied.filter((result) => result.status >= 300 || result.warnings.length > 0)).toEqual([]);
      const pods = await real.listPods();
      const byComponent: Record<string, number> = {};
      for (const pod of pods) {
        const component = pod.metadata.labels?.['app.kubernetes.io/name'] ?? 'unlabelled';
        byComponent[component] = (byComponent[component] ?? 0) + 1;
        expect([pod.metadata.name, pod.status.phase, pod.spec.nodeName]).toEqual([pod.metadata.name, 'Running', NODE_NAME]);
      }
      expect(byComponent).toEqual(COMPONENTS);
      process.stdout.write(
        `[real-cluster report] ${JSON.stringify({ pods: pods.length, readyAfterS: real.readyAfterS, pipelineReadyAfterS: real.pipelineReadyAfterS, pipelineImages: real.images.offline ? 'offline stand-ins' : 'official' })}\n`,
      );
    });

    test('a gRPC fault crosses the three pods and Jaeger holds its contract, every span naming its pod and node', async () => {
      const { spans } = await expectContractKept(
        { frontendUrl: real.frontendUrl, jaegerUrl: real.jaegerUrl, environment: 'kubernetes' },
        GRPC_FAULT_CONTRACTS.injectedUnavailable,
      );
      const pods = (await real.listPods()).map((pod) => ({
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
        if (!real.images.offline) expect(span.resource['k8s.deployment.name']).toBe(span.service);
      }
    });

    test("a view event that fails every attempt crosses the broker's pod: PRODUCER, then 3 CONSUMER attempts in the request's trace, kept by the tail sampler", async () => {
      const attempts = 3;
      const response = await fetch(`${real.frontendUrl}/api/users/1?fault=view-recorder:error=500`);
      expect(response.status).toBe(200);
      const traceId = traceIdOf(response.headers.get('traceresponse'));
      // The request's 8 spans, the PRODUCER, and each attempt's CONSUMER span with its injected_fault.
      const { spans, visibleAfterMs } = await waitForTrace(real.jaegerUrl, traceId, 8 + 1 + 2 * attempts, { timeoutMs: 60_000 });
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
