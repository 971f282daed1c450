/**
 * tools/install-binaries.sh against a local release mirror: archives shaped as each project
 * publishes them (its name, its folder, its checksum file's format), made from the locally built
 * binaries and served from 127.0.0.1. The real release hosts are not reachable here; these are what
 * the installer is pointed at instead, through DEMO_BINARIES_RELEASE_URL.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { type Binaries, ensureBinaries, freePort, parseInstallerOutput, REPO_ROOT, readEnvFile } from '@demo/stack';
import { pathWithOnly } from './path-without-go';

const dotenv = readEnvFile(join(REPO_ROOT, '.env'));
const version = (key: string) => (dotenv[key] ?? '').replace(/^v/, '');
const os = process.platform === 'darwin' ? 'darwin' : 'linux';
const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** A release as its project publishes it: where, the archive's name, the binary's path in it, the checksum file. */
interface Release {
  name: 'collector' | 'jaeger' | 'prometheus' | 'victoria-logs';
  binary: keyof Omit<Binaries, 'sources'>;
  /** The .env version, without its leading v. */
  version: string;
  folder: string;
  archive: string;
  member: string;
  checksumFile: string;
  /** One line of the checksum file, in that project's format. */
  checksumLine: (hash: string, file: string) => string;
}

function releases(): Release[] {
  const collector = version('OTEL_COLLECTOR_VERSION');
  const jaeger = version('JAEGER_VERSION');
  const prometheus = version('PROMETHEUS_VERSION');
  const victoriaLogs = version('VICTORIA_LOGS_VERSION');
  const twoSpaces = (hash: string, file: string) => `${hash}  ${file}`;
  return [
    {
      name: 'collector',
      version: collector,
      binary: 'collector',
      folder: `open-telemetry/opentelemetry-collector-releases/releases/download/v${collector}`,
      archive: `otelcol-contrib_${collector}_${os}_${arch}.tar.gz`,
      member: 'otelcol-contrib',
      checksumFile: 'opentelemetry-collector-releases_otelcol-contrib_checksums.txt',
      checksumLine: twoSpaces,
    },
    {
      name: 'jaeger',
      version: jaeger,
      binary: 'jaeger',
      folder: `jaegertracing/jaeger/releases/download/v${jaeger}`,
      archive: `jaeger-${jaeger}-${os}-${arch}.tar.gz`,
      member: `jaeger-${jaeger}-${os}-${arch}/jaeger`,
      checksumFile: `jaeger-${jaeger}.sha256sum.txt`,
      // shasum -b: binary mode, a '*' before the name.
      checksumLine: (hash, file) => `${hash} *${file}`,
    },
    {
      name: 'prometheus',
      version: prometheus,
      binary: 'prometheus',
      folder: `prometheus/prometheus/releases/download/v${prometheus}`,
      archive: `prometheus-${prometheus}.${os}-${arch}.tar.gz`,
      member: `prometheus-${prometheus}.${os}-${arch}/prometheus`,
      checksumFile: 'sha256sums.txt',
      checksumLine: twoSpaces,
    },
    {
      name: 'victoria-logs',
      version: victoriaLogs,
      binary: 'victoriaLogs',
      folder: `VictoriaMetrics/VictoriaLogs/releases/download/v${victoriaLogs}`,
      archive: `victoria-logs-${os}-${arch}-v${victoriaLogs}.tar.gz`,
      member: 'victoria-logs-prod',
      checksumFile: `victoria-logs-${os}-${arch}-v${victoriaLogs}_checksums.txt`,
      checksumLine: twoSpaces,
    },
  ];
}

type Mode = 'serve' | 'tamper' | 'cut-short';

/** The mirror: each release's files by URL path, and what to do to some of them. */
class Mirror {
  readonly files = new Map<string, Buffer>();
  readonly modes = new Map<string, Mode>();
  requests: string[] = [];
  private server: Server = createServer((request, response) => this.answer(request.url ?? '', response));
  port = 0;

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private answer(path: string, response: import('node:http').ServerResponse): void {
    this.requests.push(path);
    const body = this.files.get(path);
    if (!body) {
      response.writeHead(404).end('Not Found');
      return;
    }
    const mode = this.modes.get(path) ?? 'serve';
    if (mode === 'tamper') {
      const tampered = Buffer.from(body);
      const middle = tampered.length >> 1;
      tampered[middle] = (tampered[middle] ?? 0) ^ 0xff;
      response.writeHead(200, { 'content-length': tampered.length }).end(tampered);
    } else if (mode === 'cut-short') {
      // Half the archive, then the connection drops, as on a flaky network.
      response.writeHead(200, { 'content-length': body.length });
      response.write(body.subarray(0, body.length >> 1), () => response.socket?.destroy());
    } else {
      response.writeHead(200, { 'content-length': body.length }).end(body);
    }
  }
}

interface Run {
  status: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** The installer, asynchronously (the mirror answers from this same process), with `env` over `inherited`. */
function install(env: Record<string, string>, inherited: NodeJS.ProcessEnv = process.env): Promise<Run> {
  const started = performance.now();
  return new Promise((resolve) => {
    execFile(join(REPO_ROOT, 'tools/install-binaries.sh'), { env: { ...inherited, ...env }, encoding: 'utf8' }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ status, stdout, stderr, seconds: (performance.now() - started) / 1000 });
    });
  });
}

const lineOf = (run: Run, name: string) => run.stderr.split('\n').find((line) => line.startsWith(`install-binaries: ${name} `)) ?? '';

let goBuilds: Binaries;
const mirror = new Mirror();
const work = mkdtempSync(join(tmpdir(), 'install-binaries-'));

/** An empty cache, except for the Go builds (linked in, so that the Go path takes no minutes). */
function freshCache(): string {
  const cache = mkdtempSync(join(work, 'cache-'));
  for (const path of [goBuilds.collector, goBuilds.jaeger, goBuilds.prometheus, goBuilds.victoriaLogs]) {
    symlinkSync(dirname(path), join(cache, basename(dirname(path))));
  }
  return cache;
}

function pack(release: Release, binary: string): Buffer {
  const staging = mkdtempSync(join(work, 'staging-'));
  mkdirSync(dirname(join(staging, release.member)), { recursive: true });
  writeFileSync(join(staging, release.member), readFileSync(binary), { mode: 0o755 });
  writeFileSync(join(staging, 'README.md'), 'not the binary\n');
  const top = release.member.split('/')[0] as string;
  const entries = top === release.member ? [release.member, 'README.md'] : [top];
  const archive = join(staging, release.archive);
  const result = spawnSync('tar', ['-czf', archive, '-C', staging, ...entries]);
  if (result.status !== 0) throw new Error(`tar: ${result.stderr}`);
  const data = readFileSync(archive);
  rmSync(staging, { recursive: true });
  return data;
}

beforeAll(async () => {
  goBuilds = ensureBinaries(REPO_ROOT, { ...process.env, DEMO_BINARIES: 'go' });
  for (const release of releases()) {
    const archive = pack(release, goBuilds[release.binary]);
    const checksums = [
      release.checksumLine(sha256(Buffer.from('another asset')), `other-${release.archive}`),
      release.checksumLine(sha256(archive), release.archive),
    ];
    mirror.files.set(`/${release.folder}/${release.archive}`, archive);
    mirror.files.set(`/${release.folder}/${release.checksumFile}`, Buffer.from(`${checksums.join('\n')}\n`));
  }
  await mirror.start();
}, 600_000);

afterAll(async () => {
  await mirror.stop();
  rmSync(work, { recursive: true, force: true });
});

beforeEach(() => {
  mirror.requests = [];
  mirror.modes.clear();
});

const leftovers = (cache: string) => readdirSync(cache).filter((name) => name.startsWith('.install.'));

describe('from the release archives', () => {
  let cache = '';
  beforeAll(() => {
    cache = freshCache();
  });

  test('all four install, verified against their checksum files, and run', async () => {
    const run = await install({ DEMO_BINARIES: 'auto', DEMO_BINARIES_RELEASE_URL: mirror.url, GO_BINARIES_DIR: cache });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: expect.any(String) });
    const binaries = parseInstallerOutput(run.stdout);
    expect(binaries.sources).toEqual({ collector: 'release', jaeger: 'release', prometheus: 'release', victoriaLogs: 'release' });
    for (const release of releases()) {
      expect(binaries[release.binary]).toBe(
        join(cache, 'release', `${release.name}-${release.version}-${os}-${arch}`, basename(release.member)),
      );
      expect(lineOf(run, release.name)).toMatch(
        new RegExp(`release .* downloaded ${release.archive.replace(/\./g, '\\.')}, sha256 verified`),
      );
    }
    // Each fetched its checksum file, then its archive: eight requests, nothing else.
    expect(mirror.requests).toHaveLength(8);
    const collectorVersion = spawnSync(binaries.collector, ['--version'], { encoding: 'utf8' }).stdout;
    expect(collectorVersion).toContain(`version ${dotenv.OTEL_COLLECTOR_VERSION}`);
    const victoriaLogsVersion = spawnSync(binaries.victoriaLogs, ['--version'], { encoding: 'utf8' }).stdout.trim();
    expect(victoriaLogsVersion).toBe(`victoria-logs-${dotenv.VICTORIA_LOGS_VERSION}`);
    expect(leftovers(cache)).toEqual([]);
  });

  test('a second run downloads nothing', async () => {
    const run = await install({ DEMO_BINARIES: 'auto', DEMO_BINARIES_RELEASE_URL: mirror.url, GO_BINARIES_DIR: cache });
    expect(run.status).toBe(0);
    expect(mirror.requests).toEqual([]);
    for (const release of releases()) expect(lineOf(run, release.name)).toMatch(/ release .*, cached$/);
    console.log(`[install-binaries report] cached second run: ${run.seconds.toFixed(2)} s`);
  });

  test('DEMO_BINARIES=go takes the Go builds and asks the mirror nothing', async () => {
    const run = await install({ DEMO_BINARIES: 'go', DEMO_BINARIES_RELEASE_URL: mirror.url, GO_BINARIES_DIR: cache });
    expect(run.status).toBe(0);
    expect(parseInstallerOutput(run.stdout).sources.jaeger).toBe('go');
    expect(mirror.requests).toEqual([]);
  });
});

const archivePath = (name: Release['name']) => {
  const release = releases().find((candidate) => candidate.name === name) as Release;
  return `/${release.folder}/${release.archive}`;
};

test('a tampered archive is refused and deleted, and that binary comes from the Go build', async () => {
  const cache = freshCache();
  mirror.modes.set(archivePath('jaeger'), 'tamper');
  const run = await install({ DEMO_BINARIES: 'auto', DEMO_BINARIES_RELEASE_URL: mirror.url, GO_BINARIES_DIR: cache });
  expect(run.status).toBe(0);
  const binaries = parseInstallerOutput(run.stdout);
  expect(binaries.sources).toEqual({ collector: 'release', jaeger: 'go', prometheus: 'release', victoriaLogs: 'release' });
  expect(binaries.jaeger).toBe(goBuilds.jaeger.replace(dirname(dirname(goBuilds.jaeger)), cache));
  expect(lineOf(run, 'jaeger')).toMatch(/ go .*release not used: CHECKSUM MISMATCH for jaeger-.*: the download was deleted/);
  expect(existsSync(join(cache, 'release', `jaeger-${version('JAEGER_VERSION')}-${os}-${arch}`))).toBe(false);
  expect(leftovers(cache)).toEqual([]);
});

test('DEMO_BINARIES=release stops on a tampered archive, with exit 1 and the reason', async () => {
  const cache = freshCache();
  mirror.modes.set(archivePath('collector'), 'tamper');
  const run = await install({ DEMO_BINARIES: 'release', DEMO_BINARIES_RELEASE_URL: mirror.url, GO_BINARIES_DIR: cache });
  expect(run.status).toBe(1);
  expect(lineOf(run, 'collector')).toMatch(/FAILED .*DEMO_BINARIES=release: CHECKSUM MISMATCH/);
  expect(run.stdout).toBe('');
});

test('a download cut short never lands in the cache', async () => {
  const cache = freshCache();
  mirror.modes.set(archivePath('prometheus'), 'cut-short');
  const run = await install({ DEMO_BINARIES: 'auto', DEMO_BINARIES_RELEASE_URL: mirror.url, GO_BINARIES_DIR: cache });
  expect(run.status).toBe(0);
  expect(parseInstallerOutput(run.stdout).sources.prometheus).toBe('go');
  expect(lineOf(run, 'prometheus')).toMatch(/ go .*release not used: /);
  expect(existsSync(join(cache, 'release', `prometheus-${version('PROMETHEUS_VERSION')}-${os}-${arch}`))).toBe(false);
  expect(leftovers(cache)).toEqual([]);
});

describe('an unreachable release host', () => {
  let silent: TcpServer;
  let silentPort = 0;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    // Accepts connections and never answers: a firewall that swallows packets, seen from curl.
    silent = createTcpServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as { port: number }).port;
  });
  afterAll(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  test.each([
    ['refuses connections', async () => `http://127.0.0.1:${await freePort()}`, 3],
    ['accepts and never answers', async () => `http://127.0.0.1:${silentPort}`, 12],
  ])('that %s: every binary falls back to Go within seconds', async (_what, url, limitSeconds) => {
    const run = await install({ DEMO_BINARIES: 'auto', DEMO_BINARIES_RELEASE_URL: await url(), GO_BINARIES_DIR: freshCache() });
    expect(run.status).toBe(0);
    expect(parseInstallerOutput(run.stdout).sources).toEqual({ collector: 'go', jaeger: 'go', prometheus: 'go', victoriaLogs: 'go' });
    // The first binary finds the host unreachable; the others do not wait for it again.
    for (const name of ['jaeger', 'prometheus', 'victoria-logs'])
      expect(lineOf(run, name)).toContain('not tried, the host did not answer for collector');
    expect(run.seconds).toBeLessThan(limitSeconds);
    console.log(`[install-binaries report] host that ${_what}: fell back in ${run.seconds.toFixed(2)} s`);
  });
});

test('with no release and no Go, it says what to install, with exit 1', async () => {
  const bin = pathWithOnly(
    ['bash', 'dirname', 'sed', 'mkdir', 'mktemp', 'rm', 'curl', 'uname', 'cut', 'sha256sum', 'grep', 'basename', 'awk'],
    work,
  );
  const env = {
    PATH: bin,
    DEMO_BINARIES: 'auto',
    DEMO_BINARIES_RELEASE_URL: `http://127.0.0.1:${await freePort()}`,
    GO_BINARIES_DIR: mkdtempSync(join(work, 'empty-')),
  };
  const run = await install(env, {});
  expect(run.status).toBe(1);
  expect(run.stderr).toContain('Go is not installed');
  expect(run.stderr).toContain('Install Go 1.26.7 or newer');
  expect(lineOf(run, 'collector')).toMatch(/FAILED .*no release, and no Go build/);
});

test('an unknown DEMO_BINARIES is refused with exit 2', async () => {
  const run = await install({ DEMO_BINARIES: 'fastest', GO_BINARIES_DIR: freshCache() });
  expect(run.status).toBe(2);
  expect(run.stderr).toContain("DEMO_BINARIES must be auto, release or go, not 'fastest'");
});
