/**
 * A real node on this machine, for `pnpm test:real-cluster`: Debian's containerd and runc with the
 * CNI bridge plugin, kubelet and kube-proxy from the API server's own release, and CoreDNS for the
 * cluster's names. Pods run real containers from images imported into containerd (no registry).
 *
 * It needs Linux, root, and the Debian packages containerd, runc and containernetworking-plugins.
 * While it runs it changes the host, and stop() takes each change back: an address on lo (the
 * node's IP), a bridge, two FORWARD rules, and the iptables chains kube-proxy and kubelet write.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@demo/stack';
import type { NodeBinaries } from './binaries';
import { apply, type ControlPlane, waitFor } from './control-plane';
import { ProcessExited, ProcessGroup } from './process-group';

/** The node's address: on lo, so only this machine reaches it, but not loopback, which kubelet refuses. */
export const NODE_IP = '10.200.0.1';
export const NODE_NAME = 'chart-check-node';
const POD_CIDR = '10.244.0.0/24';
const BRIDGE = 'cni-chartcheck';
const CNI_NETWORK = 'chart-check';
const CNI_BIN_DIR = '/usr/lib/cni';

export interface RealNode {
  logs(): string;
  stop(): Promise<void>;
}

/** What this machine lacks to run a real node, as sentences; empty when nothing is missing. */
export function missingForRealNode(): string[] {
  const missing: string[] = [];
  if (process.platform !== 'linux') missing.push('a real node needs Linux');
  if (process.getuid?.() !== 0) missing.push('a real node needs root (kubelet, containerd, iptables)');
  for (const command of ['containerd', 'ctr', 'runc', 'iptables', 'ip', 'docker', 'go']) {
    if (spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0) missing.push(`${command} is not installed`);
  }
  if (!existsSync(join(CNI_BIN_DIR, 'bridge')))
    missing.push(`no CNI plugins in ${CNI_BIN_DIR} (apt-get install containernetworking-plugins)`);
  return missing;
}

/** Starts the node and waits until the API server sees it Ready. `images` are Docker image names to import. */
export async function startNode(cluster: ControlPlane, binaries: NodeBinaries, images: string[], sandboxImage: string): Promise<RealNode> {
  const dir = mkdtempSync(join(tmpdir(), 'real-node-'));
  const undo: (() => unknown)[] = [];
  const processes = new ProcessGroup(dir, { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin' });
  const start = processes.start.bind(processes);
  const logs = () => processes.logs();
  const stop = async () => {
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch (error) {
        process.stderr.write(`real node: a clean-up step failed: ${error}\n`);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const host = (command: string, args: string[]) => execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    host('ip', ['addr', 'add', `${NODE_IP}/32`, 'dev', 'lo']);
    undo.push(() => host('ip', ['addr', 'del', `${NODE_IP}/32`, 'dev', 'lo']));

    // Pods reach the API server (the agents' k8s_attributes and resolver) as the kubernetes Service,
    // whose endpoint is the node's IP: forwarded to the API server, which listens on loopback only.
    const forwarder = await forwardTcp(NODE_IP, cluster.port, '127.0.0.1', cluster.port);
    undo.push(() => new Promise<void>((resolve) => forwarder.close(() => resolve())));
    const slice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'kubernetes-real-node', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [NODE_IP], conditions: { ready: true } }],
      ports: [{ name: 'https', port: cluster.port, protocol: 'TCP' }],
    };
    const applied = await apply(cluster, slice, 'default');
    if (applied.status >= 300) throw new Error(`the kubernetes Service's endpoint: ${applied.status} ${JSON.stringify(applied.body)}`);

    const socket = join(dir, 'containerd.sock');
    writeFileSync(join(dir, 'containerd.toml'), containerdConfig(dir, socket, sandboxImage));
    mkdirSync(join(dir, 'cni'));
    writeFileSync(join(dir, 'cni', '10-bridge.conflist'), JSON.stringify(cniConfig()));
    start('containerd', 'containerd', ['--config', join(dir, 'containerd.toml')]);
    undo.push(() => stopContainerd(processes, dir, socket));
    await waitFor('containerd', 30_000, async () => spawnSync('ctr', ['--address', socket, 'version']).status === 0);

    // The bridge's traffic to and from pods: Docker's FORWARD policy is DROP.
    for (const direction of ['-i', '-o']) {
      host('iptables', ['-I', 'FORWARD', direction, BRIDGE, '-j', 'ACCEPT']);
      undo.push(() => host('iptables', ['-D', 'FORWARD', direction, BRIDGE, '-j', 'ACCEPT']));
    }
    undo.push(() => spawnSync('ip', ['link', 'del', BRIDGE]));
    undo.push(() => rmSync(join('/var/lib/cni/networks', CNI_NETWORK), { recursive: true, force: true }));
    importImages(socket, [...images, sandboxImage]);

    writeFileSync(join(dir, 'Corefile'), corefile(cluster.kubeconfig));
    start('coredns', binaries.coredns, ['-conf', join(dir, 'Corefile')]);

    writeFileSync(join(dir, 'kubelet.yaml'), kubeletConfig(socket, await freePort()));
    const kubelet = start('kubelet', binaries.kubelet, [
      `--kubeconfig=${cluster.kubeconfig}`,
      `--config=${join(dir, 'kubelet.yaml')}`,
      `--root-dir=${join(dir, 'kubelet')}`,
      `--hostname-override=${NODE_NAME}`,
      `--node-ip=${NODE_IP}`,
    ]);
    undo.push(() => removeKubernetesChains());
    undo.push(async () => {
      await kubelet.stop(15_000);
    });
    start('kube-proxy', binaries.kubeProxy, [
      `--kubeconfig=${cluster.kubeconfig}`,
      `--hostname-override=${NODE_NAME}`,
      `--cluster-cidr=${POD_CIDR}`,
      '--proxy-mode=iptables',
      `--metrics-bind-address=127.0.0.1:${await freePort()}`,
      `--healthz-bind-address=127.0.0.1:${await freePort()}`,
    ]);
    undo.push(() => spawnSync(binaries.kubeProxy, ['--cleanup']));
    undo.push(async () => {
      await processes.stop(['kube-proxy', 'coredns'], 5_000);
    });

    await waitFor(`node ${NODE_NAME} Ready`, 60_000, async () => {
      if (!kubelet.isRunning) throw new ProcessExited(kubelet);
      const node = await cluster.call('GET', `/api/v1/nodes/${NODE_NAME}`);
      return (
        node.status === 200 &&
        node.body.status.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True')
      );
    });
    return { logs, stop };
  } catch (error) {
    const output = logs();
    await stop();
    throw new Error(`the real node did not start: ${error}\n${output}`);
  }
}

/** A TCP forwarder: connections to listenHost:listenPort are piped to targetHost:targetPort. */
export function forwardTcp(listenHost: string, listenPort: number, targetHost: string, targetPort: number): Promise<Server> {
  const server = createServer((client) => {
    const upstream = createConnection(targetPort, targetHost);
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, listenHost, () => resolve(server));
  });
}

function containerdConfig(dir: string, socket: string, sandboxImage: string): string {
  return `version = 2
root = "${join(dir, 'containerd-root')}"
state = "${join(dir, 'containerd-state')}"
[grpc]
  address = "${socket}"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${sandboxImage}"
  # Clamp each container's oom_score_adj to containerd's own: raising a process's priority
  # (the pod sandbox asks for -998) needs CAP_SYS_RESOURCE, which root lacks in some VMs,
  # this one included, and runc then fails with "can't get final child's PID from pipe".
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${CNI_BIN_DIR}"
    conf_dir = "${join(dir, 'cni')}"
`;
}

function cniConfig() {
  return {
    cniVersion: '1.0.0',
    name: CNI_NETWORK,
    plugins: [
      {
        type: 'bridge',
        bridge: BRIDGE,
        isGateway: true,
        ipMasq: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: POD_CIDR }]], routes: [{ dst: '0.0.0.0/0' }] },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
      { type: 'loopback' },
    ],
  };
}

function corefile(kubeconfig: string): string {
  return `cluster.local:53 {
    bind ${NODE_IP}
    kubernetes cluster.local {
        kubeconfig ${kubeconfig} check
    }
}
.:53 {
    bind ${NODE_IP}
    forward . /etc/resolv.conf
}
`;
}

function kubeletConfig(socket: string, port: number): string {
  return JSON.stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    containerRuntimeEndpoint: `unix://${socket}`,
    // Debian's containerd 1.6 cannot tell the kubelet its cgroup driver, and this VM has cgroup v1.
    cgroupDriver: 'cgroupfs',
    failCgroupV1: false,
    failSwapOn: false,
    // No registry here: an image the kubelet removes cannot come back. Its image GC starts at 85%
    // of the disk in use, which this machine's disk is near, and it took the pause image (not
    // counted as in use by a pod) while a drain had emptied the node: no sandbox could start after.
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    // Likewise its evictions under disk pressure (imagefs.available<15% by default): they would
    // evict the pods the tests count.
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%' },
    address: '127.0.0.1',
    port,
    readOnlyPort: 0,
    healthzPort: 0,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: false } },
    authorization: { mode: 'AlwaysAllow' },
    clusterDNS: [NODE_IP],
    clusterDomain: 'cluster.local',
    resolvConf: '/etc/resolv.conf',
  });
}

/** Docker's images into containerd's k8s.io namespace, where the kubelet finds them (no registry here). */
function importImages(socket: string, images: string[]): void {
  const result = spawnSync(
    'bash',
    ['-o', 'pipefail', '-c', 'docker save "$@" | ctr --address "$0" -n k8s.io images import -', socket, ...images],
    {
      encoding: 'utf8',
      timeout: 300_000,
    },
  );
  if (result.status !== 0) throw new Error(`importing ${images.join(', ')} failed:\n${result.stderr}`);
}

async function stopContainerd(processes: ProcessGroup, dir: string, socket: string): Promise<void> {
  // Whatever containers are left, then containerd, its shims, and the mounts they held.
  spawnSync('sh', [
    '-c',
    `for task in $(ctr --address ${socket} -n k8s.io tasks ls -q); do ctr --address ${socket} -n k8s.io tasks kill -s SIGKILL "$task"; done`,
  ]);
  await processes.stop(['containerd']);
  spawnSync('pkill', ['-f', `containerd-shim-runc-v2 .*-address ${socket}`]);
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[1] ?? '')
    .filter((target) => target.startsWith(dir))
    .sort()
    .reverse();
  for (const target of mounts) spawnSync('umount', ['-l', target]);
}

/** The KUBE-* chains the kubelet writes (kube-proxy --cleanup leaves them), and the jumps to them. */
function removeKubernetesChains(): void {
  const script = `
for table in filter nat mangle; do
  iptables -t "$table" -S | grep -E '^-A [A-Z]+ .*-j KUBE-' | grep -vE '^-A KUBE-' | sed 's/^-A/-D/' | while read -r rule; do eval "iptables -t $table $rule"; done
  chains=$(iptables -t "$table" -S | sed -n 's/^-N \\(KUBE-[^ ]*\\)$/\\1/p')
  for chain in $chains; do iptables -t "$table" -F "$chain"; done
  for chain in $chains; do iptables -t "$table" -X "$chain"; done
done`;
  spawnSync('bash', ['-c', script]);
}
