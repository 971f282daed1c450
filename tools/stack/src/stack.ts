import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Binaries, ensureBinaries } from './binaries';
import { collectorSpec, gatewayName, gatewaySpec } from './components/collector';
import { jaegerSpec, jaegerUiConfigFor } from './components/jaeger';
import { prometheusSpec } from './components/prometheus';
import { amqpUrl, findRabbitmq, rabbitmqInstallation, rabbitmqSpec, stopEpmd, stopLeftoverEpmd } from './components/rabbitmq';
import {
  baseServiceEnv,
  PROJECT_BOOTSTRAP,
  SERVICE_NAMES,
  type ServiceName,
  type StartLine,
  servicePort,
  serviceSpec,
} from './components/service';
import { victoriaLogsIngestUrl, victoriaLogsSpec } from './components/victoria-logs';
import { readEnvFile, requireKey } from './env-file';
import { waitForHttpOk } from './ports';
import { ManagedProcess, type OutputOptions, type ProcessSpec } from './process';
import { REPO_ROOT } from './repo';
import { assertPortsFree, freePorts, portsFromEnv, type StackPorts } from './stack-ports';

export {
  LOCAL_ENVIRONMENT,
  PROJECT_BOOTSTRAP,
  SERVICE_NAMES,
  type ServiceName,
  type StartLine,
  serviceNodeOptions,
  servicePort,
  startLine,
} from './components/service';
export { REPO_ROOT } from './repo';
export type { GatewayPorts, StackPorts } from './stack-ports';

/** The one-tier pipeline, in start order: each is ready before what sends to it starts. */
export const PIPELINE_NAMES = ['prometheus', 'jaeger', 'victoria-logs', 'otel-collector'] as const;

/** One Collector, or an agent Collector routing traces by trace id to tail-sampling gateways (docs/production.md). */
export type PipelineShape = 'one-tier' | 'two-tier';

export interface StackOptions extends Partial<OutputOptions> {
  /** 'env': the ports in .env, as the demo uses them. 'free': any free ports, for tests. */
  ports?: 'env' | 'free';
  /** Components not to start now (e.g. ['otel-collector']); `stack.start(name)` starts them later. */
  without?: string[];
  /** Extra environment for the Collector the services export to (e.g. COLLECTOR_BATCH_TIMEOUT). */
  collectorEnv?: Record<string, string>;
  /** Extra environment for the three services (e.g. OUTBOUND_TIMEOUT_MS). */
  serviceEnv?: Record<string, string>;
  /**
   * What each service preloads (with --require or --import, as its package.json's start line
   * says): the project's bootstrap by default, another module (a path), or null for none
   * (tracing off, as the benchmark's baseline).
   */
  preload?: string | null;
  /** Extra environment for one service only (e.g. a DATABASE_PATH). */
  envFor?: Partial<Record<ServiceName, Record<string, string>>>;
  /**
   * Another start line for one service than its package.json's: a bundle, its TypeScript source,
   * or a CommonJS copy with --require (the entry relative to the service's folder).
   */
  startFor?: Partial<Record<ServiceName, StartLine>>;
  /** How long each component may take to become healthy. */
  startTimeoutMs?: number;
  /** 'two-tier': the Collector becomes the agent tier, in front of `gateways` tail-sampling gateways. */
  pipeline?: PipelineShape;
  /** How many gateways the two-tier pipeline has (default: GATEWAY_REPLICAS in .env). */
  gateways?: number;
  /** Extra environment for every gateway (e.g. TAIL_SAMPLING_PERCENTAGE). */
  gatewayEnv?: Record<string, string>;
  /** Extra environment for Jaeger (e.g. JAEGER_TRACE_STORAGE=in_memory). */
  jaegerEnv?: Record<string, string>;
  /**
   * Where Jaeger's traces, Prometheus's metrics, the log store and the Collectors' queues are kept, one subfolder
   * each. A given folder outlives the stack (the demo's .cache/data); by default the stack makes
   * a fresh temporary one, and stop() removes it.
   */
  dataDir?: string;
  /** Each service writes a V8 CPU profile (node --cpu-prof) into <this>/<its name> when it exits. */
  cpuProfileDir?: string;
  /** More node options for every service, before its preload (e.g. another --require). */
  nodeArgs?: string[];
  /** The Collector, Jaeger, Prometheus and VictoriaLogs to run; by default ensureBinaries() installs them. */
  binaries?: Binaries;
  /** Also run the message broker (RabbitMQ, from tools/rabbitmq.sh), started before the services. */
  broker?: boolean;
}

interface Component {
  spec: ProcessSpec;
  readyUrl: string;
  /** Answers while the process lives, ready or not (a service's /healthz). */
  aliveUrl: string;
}

/** The running topology: the pipeline and the three services as local processes. */
export class Stack {
  readonly processes = new Map<string, ManagedProcess>();

  private constructor(
    readonly ports: StackPorts,
    private readonly components: Map<string, Component>,
    /** The pipeline's components in start order: the broker (if any), Prometheus, Jaeger, VictoriaLogs, any gateways, the Collector. */
    readonly pipelineNames: readonly string[],
    private readonly output: OutputOptions,
    private readonly startTimeoutMs: number,
    /** Where Jaeger's traces, Prometheus's metrics and the Collectors' queues are kept. */
    readonly dataDir: string,
    /** Temporary folders this stack made (its log folder, its data folder); stop() removes them. */
    readonly tempDirs: readonly string[],
  ) {}

  get frontendUrl(): string {
    return `http://127.0.0.1:${this.ports.frontend}`;
  }

  get jaegerUrl(): string {
    return `http://127.0.0.1:${this.ports.jaegerUi}`;
  }

  get prometheusUrl(): string {
    return `http://127.0.0.1:${this.ports.prometheus}`;
  }

  /** VictoriaLogs: its query API (/select/logsql/query) and its UI (/select/vmui/). */
  get logStoreUrl(): string {
    return `http://127.0.0.1:${this.ports.victoriaLogs}`;
  }

  /** The broker's AMQP URL, when the stack runs one. */
  get brokerUrl(): string {
    if (!this.ports.broker) throw new Error('this stack runs no broker (StackOptions.broker)');
    return amqpUrl(this.ports.broker.amqp);
  }

  get collectorMetricsUrl(): string {
    return `http://127.0.0.1:${this.ports.collectorMetrics}/metrics`;
  }

  /** The names of the two-tier pipeline's gateways (none with one tier). */
  get gatewayNames(): string[] {
    return this.ports.gateways.map((_, index) => gatewayName(index));
  }

  gatewayMetricsUrl(index: number): string {
    return `http://127.0.0.1:${this.ports.gateways[index]?.metrics}/metrics`;
  }

  process(name: string): ManagedProcess {
    const found = this.processes.get(name);
    if (!found) throw new Error(`no process named ${name}`);
    return found;
  }

  /**
   * Starts (or starts again, on the same ports) one component, and waits until it is ready, or
   * with `until: 'alive'` only until it answers at all (for a service meant to start unready).
   */
  async start(name: string, { until = 'ready' }: { until?: 'ready' | 'alive' } = {}): Promise<ManagedProcess> {
    const component = this.components.get(name);
    if (!component) throw new Error(`no component named ${name}`);
    if (this.processes.get(name)?.isRunning) throw new Error(`${name} is already running`);
    const child = new ManagedProcess(component.spec, this.output);
    this.processes.set(name, child);
    await waitForHttpOk(until === 'ready' ? component.readyUrl : component.aliveUrl, this.startTimeoutMs, () => child.isRunning);
    return child;
  }

  /** The last output of every process, for a failing test's message. */
  logs(): string {
    return [...this.processes.values()].map((p) => `----- ${p.spec.name} -----\n${p.logs.slice(-4000)}`).join('\n');
  }

  /** Stops the services first (so their last spans can still be exported), then the pipeline from its front. */
  async stop(): Promise<Record<string, number | null>> {
    const codes: Record<string, number | null> = {};
    for (const name of [...SERVICE_NAMES].reverse()) codes[name] = (await this.processes.get(name)?.stop()) ?? null;
    for (const name of [...this.pipelineNames].reverse()) codes[name] = (await this.processes.get(name)?.stop()) ?? null;
    const broker = this.ports.broker && findRabbitmq();
    if (this.ports.broker && broker) stopEpmd(broker, this.ports.broker.epmd);
    for (const dir of this.tempDirs) rmSync(dir, { recursive: true, force: true });
    return codes;
  }

  static async start(options: StackOptions = {}): Promise<Stack> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await Stack.startOnce(options);
      } catch (error) {
        // A port picked as free can still be taken by another program before its server binds
        // it; with ports: 'free' the stack starts again on new ones.
        const portTaken = /address already in use|EADDRINUSE/.test((error as Error).message);
        if (options.ports !== 'free' || !portTaken || attempt === 3) throw error;
      }
    }
  }

  private static async startOnce(options: StackOptions): Promise<Stack> {
    assertNodeVersion();
    const dotenv = readEnvFile(join(REPO_ROOT, '.env'));
    const gatewayCount = options.pipeline === 'two-tier' ? (options.gateways ?? Number(requireKey(dotenv, 'GATEWAY_REPLICAS'))) : 0;
    const withBroker = options.broker ?? false;
    const ports =
      options.ports === 'free' ? await freePorts(dotenv, gatewayCount, withBroker) : portsFromEnv(dotenv, gatewayCount, withBroker);
    if (options.ports !== 'free') {
      const leftover = ports.broker && stopLeftoverEpmd(rabbitmqInstallation(), ports.broker.epmd);
      if (leftover) console.warn(`stack: ${leftover}`);
      await assertPortsFree(ports);
    }
    const binaries = options.binaries ?? ensureBinaries(REPO_ROOT);
    const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'stack-data-'));
    const logDir = options.logDir ?? mkdtempSync(join(tmpdir(), 'stack-logs-'));
    const tempDirs = [...(options.dataDir ? [] : [dataDir]), ...(options.logDir ? [] : [logDir])];
    const output: OutputOptions = { echo: options.echo ?? false, logDir };
    const serviceEnv = { ...baseServiceEnv(dotenv, ports, options.serviceEnv?.OTEL_EXPORTER_OTLP_PROTOCOL), ...options.serviceEnv };
    const pipeline = pipelineComponents(binaries, ports, dataDir, dotenv, options);
    const services = SERVICE_NAMES.map((name): [string, Component] => {
      const base = `http://127.0.0.1:${servicePort(name, ports)}`;
      // posts-service publishes its view events to the broker, and consumes them, when there is one.
      const brokerEnv: Record<string, string> = name === 'posts-service' && ports.broker ? { AMQP_URL: amqpUrl(ports.broker.amqp) } : {};
      const env = { ...serviceEnv, ...brokerEnv, ...options.envFor?.[name] };
      const profileArgs = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(options.cpuProfileDir, name)}`] : [];
      const nodeArgs = [...profileArgs, ...(options.nodeArgs ?? [])];
      const preload = options.preload === undefined ? PROJECT_BOOTSTRAP : options.preload;
      const spec = serviceSpec(name, ports, env, preload, nodeArgs, options.startFor?.[name]);
      return [name, { spec, readyUrl: `${base}/readyz`, aliveUrl: `${base}/healthz` }];
    });
    const pipelineNames = pipeline.map(([name]) => name);
    const components = new Map([...pipeline, ...services]);
    const stack = new Stack(ports, components, pipelineNames, output, options.startTimeoutMs ?? 30_000, dataDir, tempDirs);
    const wanted = (name: string) => !options.without?.includes(name);
    try {
      // The pipeline first, so that the services' first spans have somewhere to go.
      for (const name of pipelineNames.filter(wanted)) await stack.start(name);
      await Promise.all(SERVICE_NAMES.filter(wanted).map((name) => stack.start(name)));
    } catch (error) {
      const logs = stack.logs();
      await stack.stop();
      throw new Error(`the stack did not start: ${(error as Error).message}\n${logs}`);
    }
    return stack;
  }
}

/** The broker (if any), Prometheus, Jaeger, VictoriaLogs, any gateways and the Collector, in start order, each keeping its data in `dataDir`/<name>. */
function pipelineComponents(
  binaries: Binaries,
  ports: StackPorts,
  dataDir: string,
  dotenv: Record<string, string>,
  options: StackOptions,
): [string, Component][] {
  const dataFor = (name: string) => {
    const dir = join(dataDir, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  const jaegerEnv = {
    JAEGER_TRACE_STORAGE: requireKey(dotenv, 'JAEGER_TRACE_STORAGE'),
    JAEGER_TRACE_TTL: requireKey(dotenv, 'JAEGER_TRACE_TTL'),
    ...options.jaegerEnv,
  };
  const gatewayEnv = {
    TAIL_SAMPLING_LATENCY_THRESHOLD_MS: requireKey(dotenv, 'TAIL_SAMPLING_LATENCY_THRESHOLD_MS'),
    TAIL_SAMPLING_PERCENTAGE: requireKey(dotenv, 'TAIL_SAMPLING_PERCENTAGE'),
    ...options.gatewayEnv,
  };
  const logStoreLimits = {
    retention: requireKey(dotenv, 'VICTORIA_LOGS_RETENTION'),
    maxDiskBytes: requireKey(dotenv, 'VICTORIA_LOGS_MAX_DISK_BYTES'),
  };
  const jaegerUiConfig = jaegerUiConfigFor(ports.victoriaLogs, dataFor('jaeger'));
  const collectorEnv = { VICTORIA_LOGS_OTLP_LOGS_URL: victoriaLogsIngestUrl(ports.victoriaLogs), ...options.collectorEnv };
  const health = (port: number, path = '/') => `http://127.0.0.1:${port}${path}`;
  const broker: [string, Component][] = ports.broker
    ? [
        [
          'rabbitmq',
          readyAt(rabbitmqSpec(rabbitmqInstallation(), ports.broker, dataFor('rabbitmq')), health(ports.broker.metrics, '/metrics')),
        ],
      ]
    : [];
  return [
    ...broker,
    ['prometheus', readyAt(prometheusSpec(binaries.prometheus, ports, dataFor('prometheus')), health(ports.prometheus, '/-/ready'))],
    [
      'jaeger',
      readyAt(jaegerSpec(binaries.jaeger, ports, dataFor('jaeger'), jaegerUiConfig, jaegerEnv), health(ports.jaegerHealth, '/status')),
    ],
    [
      'victoria-logs',
      readyAt(
        victoriaLogsSpec(binaries.victoriaLogs, ports, dataFor('victoria-logs'), logStoreLimits),
        health(ports.victoriaLogs, '/health'),
      ),
    ],
    ...ports.gateways.map((gateway, index): [string, Component] => [
      gatewayName(index),
      // Each gateway keeps its queue in dataDir/<its name>, as compose's replicas do under their hostnames.
      readyAt(gatewaySpec(binaries.collector, index, gateway, ports.jaegerOtlpGrpc, dataDir, gatewayEnv), health(gateway.health)),
    ]),
    [
      'otel-collector',
      readyAt(collectorSpec(binaries.collector, ports, dataFor('otel-collector'), collectorEnv), health(ports.collectorHealth)),
    ],
  ];
}

/** A pipeline component: ready, and alive, once its health endpoint answers 200. */
function readyAt(spec: ProcessSpec, healthUrl: string): Component {
  return { spec, readyUrl: healthUrl, aliveUrl: healthUrl };
}

/**
 * The services run on the Node running this runner: the project's Node 26 (its OpenTelemetry
 * packages need >= 22.15; the project is built and tested on 26 alone).
 */
function assertNodeVersion(): void {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 26) {
    throw new Error(
      `Node ${process.version} runs this; the project runs on Node 26 (package.json engines). Run 'source tools/toolchain.sh' first.`,
    );
  }
}

/** What `pnpm demo` adds to .env: fault injection on, as in compose, for the README's tour. */
export const DEMO_SERVICE_ENV: Readonly<Record<string, string>> = { FAULT_INJECTION_ENABLED: 'true' };
