import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readEnvFile, requireKey } from './env-file';
import { ensureGoBinaries } from './go-binaries';
import { freePort, isPortFree, waitForHttpOk } from './ports';
import { ManagedProcess, type OutputOptions, type ProcessSpec } from './process';

export const REPO_ROOT = resolve(__dirname, '../../..');
export const SERVICE_NAMES = ['posts-service', 'users-service', 'frontend'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];
/** The pipeline, in start order: each is ready before what sends to it starts. */
export const PIPELINE_NAMES = ['prometheus', 'jaeger', 'otel-collector'] as const;

export interface StackPorts {
  frontend: number;
  usersService: number;
  postsService: number;
  collectorOtlpGrpc: number;
  collectorOtlpHttp: number;
  collectorHealth: number;
  collectorMetrics: number;
  jaegerUi: number;
  jaegerGrpcQuery: number;
  jaegerOtlpGrpc: number;
  jaegerOtlpHttp: number;
  jaegerHealth: number;
  jaegerMetrics: number;
  prometheus: number;
}

export interface StackOptions extends Partial<OutputOptions> {
  /** 'env': the ports in .env, as the demo uses them. 'free': any free ports, for tests. */
  ports?: 'env' | 'free';
  /** Components not to start now (e.g. ['otel-collector']); `stack.start(name)` starts them later. */
  without?: string[];
  /** Extra environment for the Collector (e.g. COLLECTOR_BATCH_TIMEOUT). */
  collectorEnv?: Record<string, string>;
  /** Extra environment for the three services (e.g. OUTBOUND_TIMEOUT_MS). */
  serviceEnv?: Record<string, string>;
  /**
   * What each service preloads with --require: the project's bootstrap by default, another
   * module (a path), or null for none (tracing off, as the benchmark's baseline).
   */
  preload?: string | null;
  /** Extra environment for one service only (e.g. a DATABASE_PATH). */
  envFor?: Partial<Record<ServiceName, Record<string, string>>>;
  /** How long each component may take to become healthy. */
  startTimeoutMs?: number;
}

interface Component {
  spec: ProcessSpec;
  readyUrl: string;
  /** Answers while the process lives, ready or not (a service's /healthz). */
  aliveUrl: string;
}

/** The running topology: Jaeger, the Collector and the three services as local processes. */
export class Stack {
  readonly processes = new Map<string, ManagedProcess>();

  private constructor(
    readonly ports: StackPorts,
    private readonly components: Map<string, Component>,
    private readonly output: OutputOptions,
    private readonly startTimeoutMs: number,
    /** Temporary folders this stack made (its log folder, Prometheus's database); stop() removes them. */
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

  get collectorMetricsUrl(): string {
    return `http://127.0.0.1:${this.ports.collectorMetrics}/metrics`;
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

  /** Stops the services first (so their last spans can still be exported), then the pipeline. */
  async stop(): Promise<Record<string, number | null>> {
    const codes: Record<string, number | null> = {};
    for (const name of [...SERVICE_NAMES].reverse()) codes[name] = (await this.processes.get(name)?.stop()) ?? null;
    for (const name of [...PIPELINE_NAMES].reverse()) codes[name] = (await this.processes.get(name)?.stop()) ?? null;
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
    const ports = options.ports === 'free' ? await freePorts(dotenv) : portsFromEnv(dotenv);
    if (options.ports !== 'free') await assertPortsFree(ports);
    const binaries = ensureGoBinaries(REPO_ROOT);
    const prometheusData = mkdtempSync(join(tmpdir(), 'prometheus-'));
    const logDir = options.logDir ?? mkdtempSync(join(tmpdir(), 'stack-logs-'));
    const tempDirs = options.logDir ? [prometheusData] : [prometheusData, logDir];
    const output: OutputOptions = { echo: options.echo ?? false, logDir };
    const serviceEnv = { ...baseServiceEnv(dotenv, ports), ...options.serviceEnv };
    const jaegerHealth = `http://127.0.0.1:${ports.jaegerHealth}/status`;
    const collectorHealth = `http://127.0.0.1:${ports.collectorHealth}/`;
    const prometheusReady = `http://127.0.0.1:${ports.prometheus}/-/ready`;
    const components = new Map<string, Component>([
      [
        'prometheus',
        { spec: prometheusSpec(binaries.prometheus, ports, prometheusData), readyUrl: prometheusReady, aliveUrl: prometheusReady },
      ],
      ['jaeger', { spec: jaegerSpec(binaries.jaeger, ports), readyUrl: jaegerHealth, aliveUrl: jaegerHealth }],
      [
        'otel-collector',
        {
          spec: collectorSpec(binaries.collector, ports, options.collectorEnv),
          readyUrl: collectorHealth,
          aliveUrl: collectorHealth,
        },
      ],
      ...SERVICE_NAMES.map((name): [string, Component] => {
        const base = `http://127.0.0.1:${servicePort(name, ports)}`;
        const env = { ...serviceEnv, ...options.envFor?.[name] };
        const spec = serviceSpec(name, ports, env, options.preload === undefined ? PROJECT_BOOTSTRAP : options.preload);
        return [name, { spec, readyUrl: `${base}/readyz`, aliveUrl: `${base}/healthz` }];
      }),
    ]);
    const stack = new Stack(ports, components, output, options.startTimeoutMs ?? 30_000, tempDirs);
    const wanted = (name: string) => !options.without?.includes(name);
    try {
      // The pipeline first, so that the services' first spans have somewhere to go.
      for (const name of PIPELINE_NAMES.filter(wanted)) await stack.start(name);
      await Promise.all(SERVICE_NAMES.filter(wanted).map((name) => stack.start(name)));
    } catch (error) {
      const logs = stack.logs();
      await stack.stop();
      throw new Error(`the stack did not start: ${(error as Error).message}\n${logs}`);
    }
    return stack;
  }
}

/** The services run on the Node running this runner; the OpenTelemetry packages need >= 22.15. */
function assertNodeVersion(): void {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 15)) {
    throw new Error(`Node ${process.version} runs this; the services need Node >= 22.15. Run 'source tools/toolchain.sh' first.`);
  }
}

function portsFromEnv(env: Record<string, string>): StackPorts {
  const port = (key: string) => Number(requireKey(env, key));
  return {
    frontend: port('FRONTEND_PORT'),
    usersService: port('USERS_SERVICE_PORT'),
    postsService: port('POSTS_SERVICE_PORT'),
    collectorOtlpGrpc: port('COLLECTOR_OTLP_GRPC_PORT'),
    collectorOtlpHttp: port('COLLECTOR_OTLP_HTTP_PORT'),
    collectorHealth: port('COLLECTOR_HEALTH_PORT'),
    collectorMetrics: port('COLLECTOR_METRICS_PORT'),
    jaegerUi: port('JAEGER_UI_PORT'),
    jaegerGrpcQuery: port('LOCAL_JAEGER_GRPC_QUERY_PORT'),
    jaegerOtlpGrpc: port('LOCAL_JAEGER_OTLP_GRPC_PORT'),
    jaegerOtlpHttp: port('LOCAL_JAEGER_OTLP_HTTP_PORT'),
    jaegerHealth: port('LOCAL_JAEGER_HEALTH_PORT'),
    jaegerMetrics: port('LOCAL_JAEGER_METRICS_PORT'),
    prometheus: port('PROMETHEUS_PORT'),
  };
}

/** Fails before anything starts, naming the .env port that something else already holds. */
async function assertPortsFree(ports: StackPorts): Promise<void> {
  const busy: string[] = [];
  for (const [name, port] of Object.entries(ports)) {
    if (!(await isPortFree(port))) busy.push(`${port} (${name})`);
  }
  if (busy.length > 0) throw new Error(`ports already in use: ${busy.join(', ')}. Stop what holds them, or change them in .env.`);
}

/** The same ports as .env names, each replaced by a different free one. */
async function freePorts(dotenv: Record<string, string>): Promise<StackPorts> {
  const keys = Object.keys(portsFromEnv(dotenv)) as (keyof StackPorts)[];
  const ports = {} as StackPorts;
  const taken = new Set<number>();
  for (const key of keys) {
    const port = await freePort(taken);
    taken.add(port);
    ports[key] = port;
  }
  return ports;
}

function jaegerSpec(binary: string, ports: StackPorts): ProcessSpec {
  return {
    name: 'jaeger',
    command: binary,
    args: ['--config', join(REPO_ROOT, 'jaeger-config.yaml')],
    cwd: REPO_ROOT,
    env: {
      ...inheritedEnv(),
      JAEGER_LISTEN_HOST: '127.0.0.1',
      // Jaeger's start-up chatter at info would drown the services' lines in the demo's output.
      JAEGER_LOG_LEVEL: process.env.JAEGER_LOG_LEVEL ?? 'warn',
      JAEGER_UI_PORT: String(ports.jaegerUi),
      JAEGER_GRPC_QUERY_PORT: String(ports.jaegerGrpcQuery),
      JAEGER_OTLP_GRPC_PORT: String(ports.jaegerOtlpGrpc),
      JAEGER_OTLP_HTTP_PORT: String(ports.jaegerOtlpHttp),
      JAEGER_HEALTH_PORT: String(ports.jaegerHealth),
      JAEGER_METRICS_PORT: String(ports.jaegerMetrics),
      PROMETHEUS_URL: `http://127.0.0.1:${ports.prometheus}`,
    },
  };
}

/** Prometheus with the repo's prometheus.yml, as compose runs it; its database in `dataDir`. */
function prometheusSpec(binary: string, ports: StackPorts, dataDir: string): ProcessSpec {
  return {
    name: 'prometheus',
    command: binary,
    args: [
      `--config.file=${join(REPO_ROOT, 'prometheus.yml')}`,
      // The Collector pushes metrics here (its prometheusremotewrite exporter).
      '--web.enable-remote-write-receiver',
      `--storage.tsdb.path=${dataDir}`,
      `--web.listen-address=127.0.0.1:${ports.prometheus}`,
      '--log.level=warn',
    ],
    cwd: dataDir,
    env: inheritedEnv(),
  };
}

function collectorSpec(binary: string, ports: StackPorts, extraEnv: Record<string, string> = {}): ProcessSpec {
  return {
    name: 'otel-collector',
    command: binary,
    args: ['--config', join(REPO_ROOT, 'otel-collector-config.yaml')],
    cwd: REPO_ROOT,
    env: {
      ...inheritedEnv(),
      COLLECTOR_OTLP_GRPC_ENDPOINT: `127.0.0.1:${ports.collectorOtlpGrpc}`,
      COLLECTOR_OTLP_HTTP_ENDPOINT: `127.0.0.1:${ports.collectorOtlpHttp}`,
      COLLECTOR_HEALTH_ENDPOINT: `127.0.0.1:${ports.collectorHealth}`,
      COLLECTOR_METRICS_HOST: '127.0.0.1',
      COLLECTOR_METRICS_PORT: String(ports.collectorMetrics),
      PROMETHEUS_REMOTE_WRITE_URL: `http://127.0.0.1:${ports.prometheus}/api/v1/write`,
      JAEGER_OTLP_GRPC_ENDPOINT: `127.0.0.1:${ports.jaegerOtlpGrpc}`,
      ...extraEnv,
    },
  };
}

/** What all three services get, as compose gives it to them. */
function baseServiceEnv(dotenv: Record<string, string>, ports: StackPorts): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${ports.collectorOtlpGrpc}`,
    OTEL_BSP_SCHEDULE_DELAY: requireKey(dotenv, 'OTEL_BSP_SCHEDULE_DELAY'),
    OTEL_METRIC_EXPORT_INTERVAL: requireKey(dotenv, 'OTEL_METRIC_EXPORT_INTERVAL'),
    OTEL_RESOURCE_ATTRIBUTES: `deployment.environment.name=${LOCAL_ENVIRONMENT}`,
    OUTBOUND_TIMEOUT_MS: requireKey(dotenv, 'OUTBOUND_TIMEOUT_MS'),
    NODE_OPTIONS: `--max-old-space-size=${requireKey(dotenv, 'SERVICE_HEAP_MB')} --max-semi-space-size=${requireKey(dotenv, 'SERVICE_SEMI_SPACE_MB')}`,
    DATABASE_LATENCY_MS: requireKey(dotenv, 'DATABASE_LATENCY_MS'),
    FIX_SEQUENTIAL_FETCH: requireKey(dotenv, 'FIX_SEQUENTIAL_FETCH'),
    FAULT_INJECTION_ENABLED: requireKey(dotenv, 'FAULT_INJECTION_ENABLED'),
    USERS_SERVICE_URL: `http://127.0.0.1:${ports.usersService}`,
    POSTS_SERVICE_URL: `http://127.0.0.1:${ports.postsService}`,
    JAEGER_UI_URL: `http://localhost:${ports.jaegerUi}`,
  };
}

export const PROJECT_BOOTSTRAP = '@demo/telemetry/register';

/** The deployment.environment.name the services of this runner report (compose: docker-compose). */
export const LOCAL_ENVIRONMENT = 'local';

/** What `pnpm demo` adds to .env: fault injection on, as in compose, for the README's tour. */
export const DEMO_SERVICE_ENV: Readonly<Record<string, string>> = { FAULT_INJECTION_ENABLED: 'true' };

function serviceSpec(name: ServiceName, ports: StackPorts, serviceEnv: Record<string, string>, preload: string | null): ProcessSpec {
  return {
    name,
    // The Node running this runner: the project's own Node 24.
    command: process.execPath,
    args: [...(preload ? ['--require', preload] : []), 'dist/server.js'],
    cwd: join(REPO_ROOT, 'services', name),
    env: { ...inheritedEnv(), ...serviceEnv, OTEL_SERVICE_NAME: name, PORT: String(servicePort(name, ports)) },
  };
}

export function servicePort(name: ServiceName, ports: StackPorts): number {
  return { frontend: ports.frontend, 'users-service': ports.usersService, 'posts-service': ports.postsService }[name];
}

/** The caller's environment minus anything a parent's OpenTelemetry setup might have left. */
function inheritedEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && !/^(OTEL_SERVICE_NAME|NODE_OPTIONS)$/.test(entry[0]),
    ),
  );
}
