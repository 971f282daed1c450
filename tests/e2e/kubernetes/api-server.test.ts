/**
 * The chart against a real kube-apiserver (with etcd, kube-controller-manager and kube-scheduler,
 * built from Go modules): every object applied for real (server-side apply) into a namespace that
 * enforces the Pod Security Standard "restricted", accepted with no warning; the defaults the API
 * server filled in read back; and the pods the controllers then create, admitted, scheduled onto
 * two kwok nodes, and every rollout complete.
 */
import { ensureKubernetesBinaries } from './binaries';
import { apply, type ControlPlane, KWOK_NODE, objectPath, startControlPlane, waitFor } from './control-plane';
import { CHART_DIR, defaultPodsByComponent, type Manifest, renderChart, runHelm } from './helm';

jest.setTimeout(180_000);

const binaries = ensureKubernetesBinaries();
const NAMESPACE = 'demo';
const RESTRICTED = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/enforce-version': 'latest',
  'pod-security.kubernetes.io/warn': 'restricted',
  'pod-security.kubernetes.io/warn-version': 'latest',
};
let cluster: ControlPlane;
const applied: { object: string; status: number; warnings: string[] }[] = [];

const applyToNamespace = (manifest: Manifest, namespace = NAMESPACE) => apply(cluster, manifest, namespace);

async function read(kind: string, name: string, apiVersion = kind === 'Service' ? 'v1' : 'apps/v1') {
  const response = await cluster.call('GET', objectPath(apiVersion, kind, NAMESPACE, name));
  expect([kind, name, response.status]).toEqual([kind, name, 200]);
  return response.body;
}

async function createNamespace(name: string) {
  const response = await cluster.call('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: RESTRICTED },
  });
  expect(response.status).toBe(201);
}

beforeAll(async () => {
  cluster = await startControlPlane(binaries);
  await createNamespace(NAMESPACE);
  // Two nodes that kwok runs, so the DaemonSet makes one agent on each.
  for (const name of ['node-1', 'node-2']) {
    const node = await cluster.call('POST', '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, annotations: KWOK_NODE },
    });
    expect(node.status).toBe(201);
  }
  // What a cluster's storage would provide: for each of the two installs, a volume for Jaeger's
  // claim, one for the log store's and one for the broker's.
  for (const name of ['volume-1', 'volume-2', 'volume-3', 'volume-4', 'volume-5', 'volume-6']) {
    const volume = await cluster.call('POST', '/api/v1/persistentvolumes', {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name },
      spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/tmp/${name}` } },
    });
    expect(volume.status).toBe(201);
  }
  for (const manifest of renderChart(binaries.helm, 'default-values.yaml', NAMESPACE)) {
    const response = await applyToNamespace(manifest);
    applied.push({ object: `${manifest.kind}/${manifest.metadata.name}`, status: response.status, warnings: response.warnings });
  }
});

afterAll(async () => {
  await cluster?.stop();
});

test('every object of the chart is accepted under Pod Security "restricted", with no warning', () => {
  expect(applied.length).toBe(32);
  expect(applied.filter((result) => result.status !== 201 || result.warnings.length > 0)).toEqual([]);
});

test('a workload that is not restricted-compliant is warned about, and its pod refused (the check can fail)', async () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'not-restricted' },
    spec: { containers: [{ name: 'app', image: 'busybox' }] },
  };
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'not-restricted' },
    spec: { selector: { matchLabels: { app: 'x' } }, template: { metadata: { labels: { app: 'x' } }, spec: pod.spec } },
  };
  const dryRun = '&dryRun=All';
  const warned = await cluster.call(
    'PATCH',
    `${objectPath('apps/v1', 'Deployment', NAMESPACE, 'not-restricted')}?fieldManager=chart-check${dryRun}`,
    deployment,
    'application/apply-patch+yaml',
  );
  expect(warned.warnings.join('\n')).toContain('would violate PodSecurity "restricted:latest"');
  const refused = await cluster.call('POST', `${objectPath('v1', 'Pod', NAMESPACE)}?dryRun=All`, pod);
  expect([refused.status, refused.body.message]).toEqual([403, expect.stringContaining('violates PodSecurity "restricted:latest"')]);
});

test('the controllers create every pod, admission lets each in, and every rollout completes on the kwok nodes', async () => {
  const expected = defaultPodsByComponent(2);
  let running: Record<string, number> = {};
  await waitFor('every pod Running and Ready', 120_000, async () => {
    const pods = await cluster.call('GET', objectPath('v1', 'Pod', NAMESPACE));
    running = {};
    for (const pod of pods.body.items) {
      const ready = pod.status.conditions?.some(
        (condition: { type: string; status: string }) => condition.type === 'Ready' && condition.status === 'True',
      );
      const name = pod.metadata.labels['app.kubernetes.io/name'];
      if (pod.status.phase === 'Running' && ready) running[name] = (running[name] ?? 0) + 1;
    }
    return JSON.stringify(Object.entries(running).sort()) === JSON.stringify(Object.entries(expected).sort());
  }).catch((error) => {
    throw new Error(`${error}\nrunning and ready, by component: ${JSON.stringify(running)}\n${cluster.logs()}`);
  });
  const events = await cluster.call('GET', `/api/v1/namespaces/${NAMESPACE}/events`);
  const failures = events.body.items.filter((event: { reason: string }) => event.reason === 'FailedCreate');
  expect(failures.map((event: { message: string }) => event.message)).toEqual([]);
  // The rollouts, as `kubectl rollout status` judges them.
  await waitFor('every workload rolled out', 60_000, async () => {
    const deployments = (await cluster.call('GET', `/apis/apps/v1/namespaces/${NAMESPACE}/deployments`)).body.items;
    const daemonSet = await read('DaemonSet', 'otel-collector');
    const statefulSets = await Promise.all(['victoria-logs', 'rabbitmq'].map((name) => read('StatefulSet', name)));
    return (
      deployments.length === 6 &&
      deployments.every((deployment: Manifest) => deployment.status.availableReplicas === deployment.spec.replicas) &&
      daemonSet.status.numberAvailable === 2 &&
      statefulSets.every((statefulSet) => statefulSet.status.readyReplicas === 1)
    );
  });
  const agents = (await cluster.call('GET', `${objectPath('v1', 'Pod', NAMESPACE)}?labelSelector=app.kubernetes.io/name%3Dotel-collector`))
    .body.items;
  expect(agents.map((pod: Manifest) => pod.spec.nodeName).sort()).toEqual(['node-1', 'node-2']);
});

test('the API server kept the Services as the chart meant them', async () => {
  const agent = await read('Service', 'otel-collector');
  expect(agent.spec.internalTrafficPolicy).toBe('Local');
  expect(agent.spec.ports).toEqual([
    { name: 'otlp-grpc', port: 4317, targetPort: 'otlp-grpc', protocol: 'TCP', appProtocol: 'grpc' },
    { name: 'otlp-http', port: 4318, targetPort: 'otlp-http', protocol: 'TCP' },
  ]);
  expect(agent.spec.type).toBe('ClusterIP');
  const gateways = await read('Service', 'otel-gateway');
  expect([gateways.spec.clusterIP, gateways.spec.ports]).toEqual([
    'None',
    [{ name: 'otlp-grpc', port: 4317, targetPort: 'otlp-grpc', protocol: 'TCP', appProtocol: 'grpc' }],
  ]);
  const posts = await read('Service', 'posts-service');
  expect(posts.spec.ports).toEqual([
    { name: 'http', port: 3002, targetPort: 'http', protocol: 'TCP' },
    { name: 'grpc', port: 50051, targetPort: 'grpc', protocol: 'TCP', appProtocol: 'grpc' },
  ]);
});

test('and the probes: the values the chart set, the rest the defaults', async () => {
  const container = async (kind: string, name: string) => (await read(kind, name)).spec.template.spec.containers[0];
  const frontend = await container('Deployment', 'frontend');
  expect(frontend.readinessProbe).toEqual({
    httpGet: { path: '/readyz', port: 'http', scheme: 'HTTP' },
    periodSeconds: 5,
    timeoutSeconds: 3,
    failureThreshold: 3,
    successThreshold: 1,
  });
  expect(frontend.livenessProbe).toEqual({
    httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' },
    initialDelaySeconds: 5,
    periodSeconds: 10,
    timeoutSeconds: 3,
    failureThreshold: 3,
    successThreshold: 1,
  });
  const posts = await container('Deployment', 'posts-service');
  expect(posts.readinessProbe).toMatchObject({
    grpc: { port: 50051, service: 'posts.v1.PostsService' },
    periodSeconds: 5,
    timeoutSeconds: 3,
  });
  const agent = await container('DaemonSet', 'otel-collector');
  expect(agent.readinessProbe).toMatchObject({
    httpGet: { path: '/', port: 'health', scheme: 'HTTP' },
    periodSeconds: 5,
    timeoutSeconds: 1,
  });
  const jaeger = await read('Deployment', 'jaeger');
  expect(jaeger.spec.strategy).toEqual({ type: 'Recreate' });
});

test('helm install --wait, for real, into a second restricted namespace: deployed and rolled out, no warning', async () => {
  await createNamespace('demo-helm');
  const install = ['install', 'demo', CHART_DIR, '--namespace', 'demo-helm', '--wait', '--timeout', '120s'];
  const result = runHelm(binaries.helm, [...install, '--kubeconfig', cluster.kubeconfig]);
  // helm logs each symbolic link it reads through (files/ -> the shared configs) at INFO; anything else is news.
  const news = result.stderr.split('\n').filter((line) => line && !line.includes('found symbolic link in path'));
  expect({ status: result.status, stderr: news }).toEqual({ status: 0, stderr: [] });
  expect(result.stdout).toContain('STATUS: deployed');
  expect(result.stdout).toContain('port-forward svc/jaeger 16686');
  // --wait returned only once every Deployment was available: read at once, without waiting.
  const deployments = (await cluster.call('GET', '/apis/apps/v1/namespaces/demo-helm/deployments')).body.items;
  expect(deployments.map((deployment: Manifest) => [deployment.metadata.name, deployment.status.availableReplicas])).toEqual(
    deployments.map((deployment: Manifest) => [deployment.metadata.name, deployment.spec.replicas]),
  );
  expect(deployments).toHaveLength(6);
});
