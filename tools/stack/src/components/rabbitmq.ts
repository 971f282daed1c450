import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readEnvFile } from '../env-file';
import type { ProcessSpec } from '../process';
import { inheritedEnv, REPO_ROOT } from '../repo';

/** Where Debian's rabbitmq-server package (sudo tools/rabbitmq.sh) puts the broker's start script. */
const DEBIAN_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';
/** The start script inside a package tree unpacked elsewhere (tools/rabbitmq.sh --user). */
const SERVER_IN_TREE = 'usr/lib/rabbitmq/bin/rabbitmq-server';

/** A RabbitMQ to run: its start script, and the environment that script needs to find its Erlang. */
export interface RabbitmqInstallation {
  server: string;
  env: Record<string, string>;
}

export interface BrokerPorts {
  /** AMQP 0-9-1. */
  amqp: number;
  /** The rabbitmq_prometheus plugin's /metrics, which answers once the broker is up. */
  metrics: number;
  /** Erlang distribution, and its port mapper (epmd): private to this broker, on 127.0.0.1. */
  distribution: number;
  epmd: number;
}

/**
 * The RabbitMQ to run: RABBITMQ_SERVER, else Debian's system-wide package, else the packages
 * tools/rabbitmq.sh --user unpacked into the binaries' cache; undefined when there is none.
 */
export function findRabbitmq(env: NodeJS.ProcessEnv = process.env): RabbitmqInstallation | undefined {
  const version = readEnvFile(join(REPO_ROOT, '.env')).RABBITMQ_VERSION ?? '';
  const cached = join(env.GO_BINARIES_DIR ?? join(REPO_ROOT, '.cache/go-binaries'), `rabbitmq-${version}`, 'root', SERVER_IN_TREE);
  const server = [env.RABBITMQ_SERVER, DEBIAN_SERVER, cached].find((path): path is string => path !== undefined && existsSync(path));
  if (!server) return undefined;
  return { server, env: erlangEnv(server) };
}

/** The RabbitMQ to run, or a clear error saying how to get one. */
export function rabbitmqInstallation(env: NodeJS.ProcessEnv = process.env): RabbitmqInstallation {
  const found = findRabbitmq(env);
  if (found) return found;
  throw new Error(
    "RabbitMQ is not installed. sudo tools/rabbitmq.sh installs Debian's rabbitmq-server; tools/rabbitmq.sh --user " +
      "unpacks it into the binaries' cache, without root; or set RABBITMQ_SERVER to the rabbitmq-server script of another installation.",
  );
}

/** Whether a broker can be started here (rabbitmqInstallation() says why not). */
export function rabbitmqInstalled(env: NodeJS.ProcessEnv = process.env): boolean {
  return findRabbitmq(env) !== undefined;
}

/**
 * A package tree unpacked outside / (tools/rabbitmq.sh --user) carries its Erlang beside it, its
 * erl scripts pointed at it: the broker's scripts find erl and epmd on PATH.
 */
function erlangEnv(server: string): Record<string, string> {
  const tree = server.endsWith(`/${SERVER_IN_TREE}`) ? server.slice(0, -SERVER_IN_TREE.length - 1) : '';
  const erlangBin = join(tree, 'usr/lib/erlang/bin');
  if (tree === '' || !existsSync(join(erlangBin, 'erl'))) return {};
  return { PATH: `${erlangBin}:${process.env.PATH ?? ''}` };
}

/**
 * RabbitMQ as a local process, its queues and logs in `dataDir`. RUNNING_UNDER_SYSTEMD makes the
 * start script exec the Erlang VM itself, so the process the runner holds is the broker, and its
 * SIGTERM is the broker's orderly shutdown.
 */
export function rabbitmqSpec(installation: RabbitmqInstallation, ports: BrokerPorts, dataDir: string): ProcessSpec {
  const home = join(dataDir, 'home');
  mkdirSync(home, { recursive: true });
  const config = join(dataDir, 'rabbitmq.conf');
  const plugins = join(dataDir, 'enabled_plugins');
  writeFileSync(
    config,
    [
      `listeners.tcp.default = 127.0.0.1:${ports.amqp}`,
      `prometheus.tcp.ip = 127.0.0.1`,
      `prometheus.tcp.port = ${ports.metrics}`,
      // Its start-up lines at info would drown the services' lines in the demo's output.
      `log.console.level = ${process.env.RABBITMQ_LOG_LEVEL ?? 'warning'}`,
      '',
    ].join('\n'),
  );
  writeFileSync(plugins, '[rabbitmq_prometheus].\n');
  return {
    name: 'rabbitmq',
    command: installation.server,
    args: [],
    cwd: dataDir,
    env: {
      ...inheritedEnv(),
      ...installation.env,
      // The Erlang cookie is written into $HOME.
      HOME: home,
      RUNNING_UNDER_SYSTEMD: 'true',
      RABBITMQ_NODENAME: 'demo@localhost',
      RABBITMQ_CONFIG_FILE: config,
      RABBITMQ_ENABLED_PLUGINS_FILE: plugins,
      RABBITMQ_MNESIA_BASE: join(dataDir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(dataDir, 'log'),
      RABBITMQ_LOGS: '-',
      RABBITMQ_DIST_PORT: String(ports.distribution),
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
      ERL_EPMD_PORT: String(ports.epmd),
      ERL_EPMD_ADDRESS: '127.0.0.1',
    },
  };
}

/**
 * Stops the port mapper the broker started on its private port: epmd daemonizes, and outlives
 * the broker. Nothing else listens there.
 */
export function stopEpmd(installation: RabbitmqInstallation, port: number): void {
  spawnSync('epmd', ['-kill'], { env: epmdEnv(installation, port), stdio: 'ignore' });
}

/**
 * A port mapper on the broker's private port with no node registered is what a run killed
 * outright leaves behind: epmd daemonizes, so it outlives the run's process group, and the next
 * run would find the port taken. It is stopped, so that this run's broker starts its own; one with
 * a node registered serves a live broker and is left alone. Says what it did, or undefined when
 * no epmd answers there.
 */
export function stopLeftoverEpmd(installation: RabbitmqInstallation, port: number): string | undefined {
  const names = spawnSync('epmd', ['-names'], { env: epmdEnv(installation, port), encoding: 'utf8' });
  if (names.status !== 0) return undefined;
  if (/^name /m.test(names.stdout)) return `the port mapper (epmd) on 127.0.0.1:${port} serves a running broker; left alone`;
  stopEpmd(installation, port);
  return `stopped the broker's port mapper (epmd) that an earlier run left on 127.0.0.1:${port}`;
}

function epmdEnv(installation: RabbitmqInstallation, port: number): NodeJS.ProcessEnv {
  return { ...inheritedEnv(), ...installation.env, ERL_EPMD_PORT: String(port) };
}

export function amqpUrl(port: number): string {
  return `amqp://guest:guest@127.0.0.1:${port}`;
}
