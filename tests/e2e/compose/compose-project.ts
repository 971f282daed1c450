/**
 * docker compose, driven as a user drives it, for the compose suite: the repository's own
 * docker-compose.yml and .env, under a project name of its own and on free host ports, so that
 * it never meets a demo the user has running.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, REPO_ROOT } from '@demo/stack';

/** Written by tools/compose/offline-images.sh where Docker Hub cannot be reached. */
export const OFFLINE_ENV_FILE = 'compose.offline.env';

export const E2E_PROJECT = 'otel-demo-e2e';

/** The .env ports that compose publishes on the host: each gets a free one here. */
const PUBLISHED_PORTS = [
  'FRONTEND_PORT',
  'JAEGER_UI_PORT',
  'COLLECTOR_OTLP_GRPC_PORT',
  'COLLECTOR_OTLP_HTTP_PORT',
  'PROMETHEUS_PORT',
  'VICTORIA_LOGS_PORT',
] as const;
type PublishedPort = (typeof PUBLISHED_PORTS)[number];

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command to its end (or kills it at the timeout); never throws for a non-zero exit. */
export function run(command: string, args: string[], { env = process.env, timeoutMs = 60_000 } = {}): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      stderr += `\n(killed after ${timeoutMs} ms)`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      stderr += String(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/**
 * Why the compose suite cannot run here, or null when a Docker engine and compose answer. In CI
 * a missing engine is no reason to skip: it throws.
 */
export function dockerUnavailableReason(): string | null {
  const reason = whyNoDocker();
  if (reason && process.env.CI === 'true') throw new Error(`the compose suite needs Docker in CI: ${reason}`);
  return reason;
}

/**
 * A missing CLI fails at once (ENOENT); the timeout only guards against one that hangs. 10 s was
 * too short: right after the e2e suites tore their stacks down, a CI run saw `docker compose
 * version` time out once, and answer in 0.2 s a minute later.
 */
const DOCKER_CHECK_TIMEOUT_MS = 60_000;

function whyNoDocker(): string | null {
  const compose = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8', timeout: DOCKER_CHECK_TIMEOUT_MS });
  if (compose.status !== 0) {
    return `docker compose is not installed (${(compose.error?.message ?? compose.stderr).trim().split('\n')[0]})`;
  }
  const engine = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: DOCKER_CHECK_TIMEOUT_MS });
  if (engine.status !== 0 || !engine.stdout.trim()) return 'no Docker engine answers (start one: tools/compose/docker-engine.sh start)';
  return null;
}

/** Every volume on the engine, by name: the suite compares them before and after. */
export async function volumeNames(): Promise<Set<string>> {
  const { stdout } = await run('docker', ['volume', 'ls', '--quiet']);
  return new Set(stdout.split('\n').filter(Boolean));
}

/** One row of `docker compose ps --format json`. */
export interface ComposeContainer {
  ID: string;
  Service: string;
  State: string;
  Health: string;
  ExitCode: number;
}

export class ComposeProject {
  private constructor(
    readonly name: string,
    readonly ports: Record<PublishedPort, number>,
    /** The compose files, as `-f` would name them: docker-compose.yml and any override merged over it. */
    readonly files: readonly string[],
  ) {}

  /**
   * The suite's project, on free host ports, not started yet. Its name is fixed, so that each run
   * replaces the images of the last one instead of adding its own.
   */
  static async create({ name = E2E_PROJECT, files = ['docker-compose.yml'] } = {}): Promise<ComposeProject> {
    const taken = new Set<number>();
    const ports = {} as Record<PublishedPort, number>;
    for (const key of PUBLISHED_PORTS) {
      ports[key] = await freePort(taken);
      taken.add(ports[key]);
    }
    return new ComposeProject(name, ports, files);
  }

  /** The env files a user passes: .env, and the offline images where the offline path made them. */
  static envFiles(): string[] {
    return existsSync(join(REPO_ROOT, OFFLINE_ENV_FILE)) ? ['.env', OFFLINE_ENV_FILE] : ['.env'];
  }

  get frontendUrl(): string {
    return `http://127.0.0.1:${this.ports.FRONTEND_PORT}`;
  }

  get jaegerUrl(): string {
    return `http://127.0.0.1:${this.ports.JAEGER_UI_PORT}`;
  }

  get logStoreUrl(): string {
    return `http://127.0.0.1:${this.ports.VICTORIA_LOGS_PORT}`;
  }

  /** `docker compose <args>` for this project; the ports override .env, as a shell variable would. */
  compose(args: string[], timeoutMs = 120_000): Promise<RunResult> {
    const envFiles = ComposeProject.envFiles().flatMap((file) => ['--env-file', file]);
    const env = { ...process.env, ...Object.fromEntries(Object.entries(this.ports).map(([k, v]) => [k, String(v)])) };
    const files = this.files.flatMap((file) => ['--file', file]);
    return run('docker', ['compose', '--project-name', this.name, ...files, ...envFiles, ...args], { env, timeoutMs });
  }

  /** Like compose(), but a non-zero exit throws with what compose said. */
  async composeOrThrow(args: string[], timeoutMs?: number): Promise<RunResult> {
    const result = await this.compose(args, timeoutMs);
    if (result.code !== 0) throw new Error(`docker compose ${args.join(' ')} exited ${result.code}:\n${result.stderr.slice(-4000)}`);
    return result;
  }

  async containers(): Promise<ComposeContainer[]> {
    const { stdout } = await this.composeOrThrow(['ps', '--all', '--format', 'json']);
    return stdout
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as ComposeContainer);
  }

  /** `docker inspect` of this project's containers, keyed by compose service. */
  async inspect(): Promise<Map<string, ContainerInspect>> {
    const ids = (await this.containers()).map((c) => c.ID);
    const { stdout } = await run('docker', ['inspect', ...ids]);
    const all = JSON.parse(stdout) as ContainerInspect[];
    return new Map(all.map((c) => [c.Config.Labels['com.docker.compose.service'] as string, c]));
  }

  async networkIsInternal(network: string): Promise<boolean> {
    const { stdout } = await run('docker', ['network', 'inspect', `${this.name}_${network}`, '--format', '{{.Internal}}']);
    return stdout.trim() === 'true';
  }

  /** What this project still has on the engine: containers, networks, volumes. */
  async leftovers(): Promise<string[]> {
    const label = `label=com.docker.compose.project=${this.name}`;
    const listed = await Promise.all([
      run('docker', ['ps', '--all', '--quiet', '--filter', label]),
      run('docker', ['network', 'ls', '--quiet', '--filter', label]),
      run('docker', ['volume', 'ls', '--quiet', '--filter', label]),
    ]);
    return listed.flatMap(({ stdout }, i) =>
      stdout
        .split('\n')
        .filter(Boolean)
        .map((id) => `${['container', 'network', 'volume'][i]} ${id}`),
    );
  }

  /** The last lines of every container's output, for a failing test's message. */
  async logs(): Promise<string> {
    return (await this.compose(['logs', '--no-color', '--tail', '40'])).stdout;
  }
}

/** The parts of `docker inspect` the posture test reads. */
export interface ContainerInspect {
  Config: { User: string; Labels: Record<string, string> };
  HostConfig: {
    ReadonlyRootfs: boolean;
    CapDrop: string[] | null;
    SecurityOpt: string[] | null;
    Memory: number;
    PortBindings: Record<string, { HostIp: string; HostPort: string }[] | null> | null;
  };
}
