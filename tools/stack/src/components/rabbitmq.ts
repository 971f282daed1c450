import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessSpec } from '../process';
import { inheritedEnv } from '../repo';

/** Where Debian's rabbitmq-server package (tools/rabbitmq.sh) puts the broker's start script. */
const DEBIAN_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';

export interface BrokerPorts {
  /** AMQP 0-9-1. */
  amqp: number;
  /** The rabbitmq_prometheus plugin's /metrics, which answers once the broker is up. */
  metrics: number;
  /** Erlang distribution, and its port mapper (epmd): private to this broker, on 127.0.0.1. */
  distribution: number;
  epmd: number;
}

/** The broker's start script: RABBITMQ_SERVER, or Debian's; a clear error if there is none. */
export function rabbitmqServer(env: NodeJS.ProcessEnv = process.env): string {
  const server = env.RABBITMQ_SERVER ?? DEBIAN_SERVER;
  if (existsSync(server)) return server;
  throw new Error(
    `RabbitMQ is not installed (no ${server}). tools/rabbitmq.sh installs Debian's rabbitmq-server (as root), ` +
      'or set RABBITMQ_SERVER to the rabbitmq-server script of another installation.',
  );
}

/** Whether a broker can be started here (rabbitmqServer() says why not). */
export function rabbitmqInstalled(env: NodeJS.ProcessEnv = process.env): boolean {
  return existsSync(env.RABBITMQ_SERVER ?? DEBIAN_SERVER);
}

/**
 * RabbitMQ as a local process, its queues and logs in `dataDir`. RUNNING_UNDER_SYSTEMD makes the
 * start script exec the Erlang VM itself, so the process the runner holds is the broker, and its
 * SIGTERM is the broker's orderly shutdown.
 */
export function rabbitmqSpec(server: string, ports: BrokerPorts, dataDir: string): ProcessSpec {
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
    command: server,
    args: [],
    cwd: dataDir,
    env: {
      ...inheritedEnv(),
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
export function stopEpmd(port: number): void {
  spawnSync('epmd', ['-kill'], { env: { ...inheritedEnv(), ERL_EPMD_PORT: String(port) }, stdio: 'ignore' });
}

export function amqpUrl(port: number): string {
  return `amqp://guest:guest@127.0.0.1:${port}`;
}
