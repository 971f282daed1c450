/**
 * A real Kubernetes control plane on loopback, for the chart's checks: etcd, kube-apiserver,
 * kube-controller-manager and kube-scheduler, built from Go modules (binaries.ts). No kubelet
 * runs: kwok stands in for one on the nodes annotated `kwok.x-k8s.io/node: fake` (KWOK_NODE),
 * reporting them Ready and their pods Running (kwok-stages.yaml), so rollouts can complete
 * without a container runtime.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@demo/stack';
import type { KubernetesBinaries } from './binaries';
import { ProcessExited, ProcessGroup } from './process-group';

export interface ApiResponse {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects, read field by field by the tests
  body: any;
  /** The API server's Warning headers: Pod Security "would violate", deprecations, and the like. */
  warnings: string[];
}

export interface ControlPlane {
  url: string;
  port: number;
  /** The path of a kubeconfig for this cluster (helm, kubectl). */
  kubeconfig: string;
  call(method: string, path: string, body?: unknown, contentType?: string): Promise<ApiResponse>;
  logs(): string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 90_000;
/** The annotation of the nodes kwok manages. */
export const KWOK_NODE = { 'kwok.x-k8s.io/node': 'fake' };

export interface ControlPlaneOptions {
  /** Start kwok for the nodes annotated KWOK_NODE (default true). A real node needs none. */
  kwok?: boolean;
}

export async function startControlPlane(binaries: KubernetesBinaries, { kwok = true }: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const dir = mkdtempSync(join(tmpdir(), 'control-plane-'));
  const token = randomBytes(24).toString('hex');
  writeFileSync(join(dir, 'tokens.csv'), `${token},admin,admin,system:masters\n`);
  // The key pair the API server signs service-account tokens with, and the controller-manager too.
  const keys = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  writeFileSync(join(dir, 'sa.key'), keys.privateKey, { mode: 0o600 });
  writeFileSync(join(dir, 'sa.pub'), keys.publicKey);
  const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
  const processes = new ProcessGroup(dir, { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir });
  const start = processes.start.bind(processes);
  const stop = async () => {
    await processes.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    start('etcd', binaries.etcd, [
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
      '--unsafe-no-fsync',
    ]);
    const apiServer = start('kube-apiserver', binaries.kubeApiserver, [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      // The endpoints of the default kubernetes Service may not be a loopback address; nothing here uses them.
      '--endpoint-reconciler-type=none',
      `--secure-port=${apiPort}`,
      `--cert-dir=${join(dir, 'certs')}`,
      `--token-auth-file=${join(dir, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      '--service-cluster-ip-range=10.96.0.0/16',
      '--service-account-issuer=https://kubernetes.default.svc',
      `--service-account-key-file=${join(dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
    ]);
    const url = `https://127.0.0.1:${apiPort}`;
    let ca: Buffer | undefined;
    const call = (method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<ApiResponse> => {
      ca ??= readFileSync(join(dir, 'certs', 'apiserver.crt'));
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      return new Promise((resolve, reject) => {
        const outgoing = request(
          `${url}${path}`,
          {
            method,
            ca,
            headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(payload ? { 'content-type': contentType } : {}) },
            timeout: 15_000,
          },
          (response) => {
            let text = '';
            response.setEncoding('utf8').on('data', (chunk) => {
              text += chunk;
            });
            response.on('end', () => {
              const warningHeader = response.headers.warning;
              const warnings = (warningHeader === undefined ? [] : Array.isArray(warningHeader) ? warningHeader : [warningHeader]).map(
                warningText,
              );
              const isJson = response.headers['content-type']?.includes('json') ?? false;
              resolve({ status: response.statusCode ?? 0, body: isJson ? JSON.parse(text) : text, warnings });
            });
          },
        );
        outgoing.on('timeout', () => outgoing.destroy(new Error(`${method} ${path}: no answer in 15 s`)));
        outgoing.on('error', reject);
        outgoing.end(payload);
      });
    };
    await waitFor('kube-apiserver /readyz', READY_TIMEOUT_MS, async () => {
      if (!apiServer.isRunning) throw new ProcessExited(apiServer);
      return (await call('GET', '/readyz')).status === 200;
    });
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kubeconfigFor(url, readFileSync(join(dir, 'certs', 'apiserver.crt')), token));
    // Makes each namespace's default ServiceAccount, and the pods of Deployments, StatefulSets and
    // DaemonSets: so the Pod Security admission judges real pods, not only their templates.
    start('kube-controller-manager', binaries.kubeControllerManager, [
      `--kubeconfig=${kubeconfig}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      `--secure-port=${await freePort()}`,
      `--service-account-private-key-file=${join(dir, 'sa.key')}`,
      // Published in each namespace's kube-root-ca.crt, for pods that call the API (the agents).
      `--root-ca-file=${join(dir, 'certs', 'apiserver.crt')}`,
      '--use-service-account-credentials=false',
    ]);
    start('kube-scheduler', binaries.kubeScheduler, [
      `--kubeconfig=${kubeconfig}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      `--secure-port=${await freePort()}`,
    ]);
    if (kwok)
      start('kwok', binaries.kwok, [
        `--kubeconfig=${kubeconfig}`,
        `--config=${join(__dirname, 'kwok-stages.yaml')}`,
        '--manage-all-nodes=false',
        `--manage-nodes-with-annotation-selector=${Object.entries(KWOK_NODE)[0]?.join('=')}`,
        `--server-address=127.0.0.1:${await freePort()}`,
      ]);
    return {
      url,
      port: apiPort,
      kubeconfig,
      call,
      logs: () => processes.logs(),
      stop,
    };
  } catch (error) {
    const logs = processes.logs();
    await stop();
    throw new Error(`the control plane did not start: ${error}\n${logs}`);
  }
}

export async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
      if (error instanceof ProcessExited) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms${lastError ? ` (last: ${lastError})` : ''}`);
}

/** A Warning header's text: `299 - "..."`, its quotes escaped (RFC 7234), as the API server sends it. */
function warningText(header: string): string {
  const quoted = /^\d{3} \S+ "(.*)"$/.exec(header)?.[1];
  return quoted === undefined ? header : quoted.replace(/\\(.)/g, '$1');
}

function kubeconfigFor(url: string, ca: Buffer, token: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'check', cluster: { server: url, 'certificate-authority-data': ca.toString('base64') } }],
    users: [{ name: 'admin', user: { token } }],
    contexts: [{ name: 'check', context: { cluster: 'check', user: 'admin' } }],
    'current-context': 'check',
  });
}

const PLURALS: Record<string, string> = {
  ConfigMap: 'configmaps',
  DaemonSet: 'daemonsets',
  Deployment: 'deployments',
  EndpointSlice: 'endpointslices',
  NetworkPolicy: 'networkpolicies',
  PersistentVolume: 'persistentvolumes',
  PersistentVolumeClaim: 'persistentvolumeclaims',
  Pod: 'pods',
  PodDisruptionBudget: 'poddisruptionbudgets',
  Role: 'roles',
  RoleBinding: 'rolebindings',
  Secret: 'secrets',
  Service: 'services',
  ServiceAccount: 'serviceaccounts',
  StatefulSet: 'statefulsets',
};

/** The API path of an object (or of its collection, without a name). */
export function objectPath(apiVersion: string, kind: string, namespace: string, name = ''): string {
  const plural = PLURALS[kind];
  if (!plural) throw new Error(`no plural known for ${kind}`);
  return `${apiVersion === 'v1' ? '/api/v1' : `/apis/${apiVersion}`}/namespaces/${namespace}/${plural}${name ? `/${name}` : ''}`;
}

/** Server-side apply of one manifest into a namespace, as `kubectl apply --server-side` does. */
export function apply(
  cluster: ControlPlane,
  manifest: { apiVersion: string; kind: string; metadata: { name: string } },
  namespace: string,
): Promise<ApiResponse> {
  const path = `${objectPath(manifest.apiVersion, manifest.kind, namespace, manifest.metadata.name)}?fieldManager=chart-check&force=true`;
  return cluster.call('PATCH', path, { ...manifest, metadata: { ...manifest.metadata, namespace } }, 'application/apply-patch+yaml');
}
