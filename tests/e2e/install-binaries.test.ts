/**
 * tools/install-binaries.sh against a local release mirror that serves the four releases as their
 * projects publish them: the download paths, asset names, archive layouts and checksum files of
 * tests/e2e/published-releases.ts, written from listings of real releases and not from the installer's
 * table. The real release hosts are not reachable here; the installer is pointed at the mirror through
 * DEMO_BINARIES_RELEASE_URL. The archives for this machine carry the locally built binaries.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { type Binaries, ensureBinaries, freePort, parseInstallerOutput, REPO_ROOT, readEnvFile } from '@demo/stack';
import { pathWithOnly } from './path-without-go';
import { type Project, type PublishedRelease, publishedReleases, tarGz, windowsRowsOnly } from './published-releases';

const dotenv = readEnvFile(join(REPO_ROOT, '.env'));
const host = `${process.platform === 'darwin' ? 'darwin' : 'linux'}-${process.arch === 'arm64' ? 'arm64' : 'amd64'}`;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const OUTPUT_KEY: Record<Project, keyof Omit<Binaries, 'sources'>> = {
  collector: 'collector',
  jaeger: 'jaeger',
  prometheus: 'prometheus',
  'victoria-logs': 'victoriaLogs',
};

type Mode = 'serve' | 'tamper' | 'cut-short';

/**
 * The mirror, shaped as github.com answers release downloads: /<owner>/<repository>/releases/download/<tag>/<asset>
 * redirects (302) to the asset's storage, which serves it; anything else is 404 Not Found.
 */
class Mirror {
  readonly files = new Map<string, Buffer>();
  readonly modes = new Map<string, Mode>();
  /** The release-download paths asked for, in order (not the redirects' targets). */
  requests: string[] = [];
  private server: Server = createServer((request, response) => this.answer(request.url ?? '', response));
  port = 0;

  publish(releases: PublishedRelease[]): void {
    for (const release of releases) for (const [name, data] of release.assets) this.files.set(`${release.folder}/${name}`, data);
  }

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

  private answer(path: string, response: ServerResponse): void {
    const stored = path.match(/^\/release-assets\/(.+)$/);
    if (!stored) {
      this.requests.push(path);
      if (!this.files.has(path)) response.writeHead(404).end('Not Found');
      else response.writeHead(302, { location: `/release-assets/${encodeURIComponent(path)}` }).end();
      return;
    }
    const asset = decodeURIComponent(stored[1] as string);
    const body = this.files.get(asset);
    if (!body) {
      response.writeHead(404).end('Not Found');
      return;
    }
    const mode = this.modes.get(asset) ?? 'serve';
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
let releases: PublishedRelease[];
const mirror = new Mirror();
const work = mkdtempSync(join(tmpdir(), 'install-binaries-'));
const release = (project: Project) => releases.find((candidate) => candidate.project === project) as PublishedRelease;

/** An empty cache, except for the Go builds (linked in, so that the Go path takes no minutes). */
function freshCache(): string {
  const cache = mkdtempSync(join(work, 'cache-'));
  for (const path of [goBuilds.collector, goBuilds.jaeger, goBuilds.prometheus, goBuilds.victoriaLogs]) {
    symlinkSync(dirname(path), join(cache, basename(dirname(path))));
  }
  return cache;
}

beforeAll(async () => {
  goBuilds = ensureBinaries(REPO_ROOT, { ...process.env, DEMO_BINARIES: 'go' });
  const versions = {
    collector: dotenv.OTEL_COLLECTOR_VERSION ?? '',
    jaeger: dotenv.JAEGER_VERSION ?? '',
    prometheus: dotenv.PROMETHEUS_VERSION ?? '',
    victoriaLogs: dotenv.VICTORIA_LOGS_VERSION ?? '',
  };
  const binaries = {
    collector: goBuilds.collector,
    jaeger: goBuilds.jaeger,
    prometheus: goBuilds.prometheus,
    'victoria-logs': goBuilds.victoriaLogs,
  };
  releases = publishedReleases(versions, host, binaries);
  mirror.publish(releases);
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

const PROJECTS: Project[] = ['collector', 'jaeger', 'prometheus', 'victoria-logs'];
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const installed = (path: string) => sha256(readFileSync(path));
const releaseDir = (cache: string, project: Project, version: string) =>
  join(cache, 'release', `${project}-${version.replace(/^v/, '')}-${host}`);
const VERSION_KEY: Record<Project, string> = {
  collector: 'OTEL_COLLECTOR_VERSION',
  jaeger: 'JAEGER_VERSION',
  prometheus: 'PROMETHEUS_VERSION',
  'victoria-logs': 'VICTORIA_LOGS_VERSION',
};
const versionOf = (project: Project) => (dotenv[VERSION_KEY[project]] ?? '').replace(/^v/, '');

describe('from the releases as published', () => {
  let cache = '';
  beforeAll(() => {
    cache = freshCache();
  });

  test('all four install from the URLs the listings show, each checked against its own checksum file', async () => {
    const run = await install({ DEMO_BINARIES: 'release', DEMO_BINARIES_RELEASE_URL: mirror.url, GO_BINARIES_DIR: cache });
    const failed = run.stderr.split('\n').filter((line) => / FAILED /.test(line));
    expect({ status: run.status, failed }).toEqual({ status: 0, failed: [] });
    const binaries = parseInstallerOutput(run.stdout);
    expect(binaries.sources).toEqual({ collector: 'release', jaeger: 'release', prometheus: 'release', victoriaLogs: 'release' });
    // Each asked for its checksum file, then its archive, and nothing else.
    expect(mirror.requests).toEqual(
      PROJECTS.flatMap((project) => [
        `${release(project).folder}/${release(project).checksumFile}`,
        `${release(project).folder}/${release(project).archive}`,
      ]),
    );
    for (const project of PROJECTS) {
      const { folder, archive, checksumFile } = release(project);
      const path = binaries[OUTPUT_KEY[project]];
      // The very binary the archive for this machine carries, at its published path, and nothing from a decoy.
      expect({ project, sha256: installed(path) }).toEqual({ project, sha256: installed(goBuilds[OUTPUT_KEY[project]]) });
      expect(path.startsWith(releaseDir(cache, project, versionOf(project)))).toBe(true);
      expect(lineOf(run, project)).toMatch(
        new RegExp(
          ` release .* ${literal(versionOf(project))}: ${literal(mirror.url + folder)}/${literal(archive)}, sha256 of .* matched ${literal(checksumFile)}$`,
        ),
      );
      const binaryInside = `${archive.replace(/\.tar\.gz$/, '')}/${basename(path)}`;
      const rows = (release(project).assets.get(checksumFile) as Buffer)
        .toString()
        .split('\n')
        .filter((row) => [archive, basename(path), binaryInside].includes(row.split(/ +/)[1]?.replace(/^\*/, '') ?? ''));
      console.log(`[install-binaries report] ${lineOf(run, project)}\n  rows of ${checksumFile} naming it: ${JSON.stringify(rows)}`);
    }
    // Jaeger's file lists the files inside the archive: the unpacked binary is what was checked.
    expect(lineOf(run, 'jaeger')).toContain(`sha256 of jaeger-${versionOf('jaeger')}-${host}/jaeger matched`);
    // VictoriaLogs' lists both: the archive, then the binary inside it.
    expect(lineOf(run, 'victoria-logs')).toContain('sha256 of the archive and victoria-logs-prod matched');
    expect(leftovers(cache)).toEqual([]);
  });

  test('a second run downloads nothing', async () => {
    const run = await install({ DEMO_BINARIES: 'auto', DEMO_BINARIES_RELEASE_URL: mirror.url, GO_BINARIES_DIR: cache });
    expect(run.status).toBe(0);
    expect(mirror.requests).toEqual([]);
    for (const project of PROJECTS)
      expect(lineOf(run, project)).toMatch(/ release .*: cached, from http:\/\/127\.0\.0\.1:\d+\/.*\.tar\.gz$/);
    console.log(`[install-binaries report] cached second run: ${run.seconds.toFixed(2)} s`);
  });

  test('DEMO_BINARIES=go takes the Go builds and asks the mirror nothing', async () => {
    const run = await install({ DEMO_BINARIES: 'go', DEMO_BINARIES_RELEASE_URL: mirror.url, GO_BINARIES_DIR: cache });
    expect(run.status).toBe(0);
    expect(parseInstallerOutput(run.stdout).sources.jaeger).toBe('go');
    expect(mirror.requests).toEqual([]);
  });
});

test("docs/running.md names each binary's version and the tag its release lives under", () => {
  const readme = readFileSync(join(REPO_ROOT, 'docs/running.md'), 'utf8');
  const README_NAME: Record<Project, string> = {
    collector: 'Collector',
    jaeger: 'Jaeger',
    prometheus: 'Prometheus',
    'victoria-logs': 'VictoriaLogs',
  };
  for (const project of PROJECTS) {
    const row = readme.split('\n').find((line) => line.trim().startsWith(`| ${README_NAME[project]} `)) ?? '';
    const [, repository, tag] = release(project).folder.match(/^\/(.+)\/releases\/download\/(.+)$/) as string[];
    expect({ project, row }).toEqual({
      project,
      row: expect.stringMatching(
        new RegExp(`\\| ${literal(versionOf(project))} +\\| \`${literal(repository as string)}\` \\**\`${literal(tag as string)}\``),
      ),
    });
    expect(row).toContain(release(project).checksumFile.replace(host, '<os>-<arch>'));
  }
});

/** Serves `data` in place of `project`'s asset `name` for the length of `body`. */
async function withAsset<T>(project: Project, name: string, data: Buffer, body: () => Promise<T>): Promise<T> {
  const path = `${release(project).folder}/${name}`;
  const published = mirror.files.get(path) as Buffer;
  mirror.files.set(path, data);
  try {
    return await body();
  } finally {
    mirror.files.set(path, published);
  }
}

const assetPath = (project: Project) => `${release(project).folder}/${release(project).archive}`;

test('a tampered archive is refused and deleted, and that binary comes from the Go build', async () => {
  const cache = freshCache();
  mirror.modes.set(assetPath('prometheus'), 'tamper');
  const run = await install({ DEMO_BINARIES: 'auto', DEMO_BINARIES_RELEASE_URL: mirror.url, GO_BINARIES_DIR: cache });
  expect(run.status).toBe(0);
  const binaries = parseInstallerOutput(run.stdout);
  expect(binaries.sources).toEqual({ collector: 'release', jaeger: 'release', prometheus: 'go', victoriaLogs: 'release' });
  expect(binaries.prometheus).toBe(goBuilds.prometheus.replace(dirname(dirname(goBuilds.prometheus)), cache));
  expect(lineOf(run, 'prometheus')).toMatch(
    new RegExp(
      ` go .*release not used: CHECKSUM MISMATCH for ${literal(release('prometheus').archive)} \\(sha256 [0-9a-f]{64}, sha256sums\\.txt says [0-9a-f]{64}\\): the download was deleted`,
    ),
  );
  expect(existsSync(releaseDir(cache, 'prometheus', versionOf('prometheus')))).toBe(false);
  expect(leftovers(cache)).toEqual([]);
});

test('Jaeger: an archive whose binary is not the one its checksum file lists is refused before it is cached', async () => {
  const cache = freshCache();
  const folder = `jaeger-${versionOf('jaeger')}-${host}`;
  const substitute = tarGz({
    [`${folder}/jaeger`]: Buffer.from('#!/bin/sh\necho substituted\n'),
    [`${folder}/example-hotrod`]: Buffer.from('x'),
  });
  const run = await withAsset('jaeger', release('jaeger').archive, substitute, () =>
    install({ DEMO_BINARIES: 'auto', DEMO_BINARIES_RELEASE_URL: mirror.url, GO_BINARIES_DIR: cache }),
  );
  expect(run.status).toBe(0);
  expect(parseInstallerOutput(run.stdout).sources.jaeger).toBe('go');
  expect(lineOf(run, 'jaeger')).toMatch(
    new RegExp(
      ` go .*CHECKSUM MISMATCH for ${literal(folder)}/jaeger in ${literal(release('jaeger').archive)} \\(sha256 [0-9a-f]{64}, ${literal(release('jaeger').checksumFile)} says [0-9a-f]{64}\\): the download was deleted`,
    ),
  );
  expect(existsSync(releaseDir(cache, 'jaeger', versionOf('jaeger')))).toBe(false);
  expect(leftovers(cache)).toEqual([]);
});

describe('the Collector checksum file of v0.123 to v0.131, with Windows rows only (opentelemetry-collector-releases#1002)', () => {
  const checksums = () => release('collector').checksumFile;
  const serveWindowsRowsOnly = <T>(body: () => Promise<T>) =>
    withAsset('collector', checksums(), windowsRowsOnly(release('collector').assets.get(checksums()) as Buffer), body);
  const missingRow = () =>
    `${checksums()} (from ${mirror.url}${release('collector').folder}) has no row for ${release('collector').archive}`;

  test('auto: the Collector comes from the Go build, and the line names the file and the missing row', async () => {
    const run = await serveWindowsRowsOnly(() =>
      install({ DEMO_BINARIES: 'auto', DEMO_BINARIES_RELEASE_URL: mirror.url, GO_BINARIES_DIR: freshCache() }),
    );
    expect(run.status).toBe(0);
    expect(parseInstallerOutput(run.stdout).sources).toEqual({
      collector: 'go',
      jaeger: 'release',
      prometheus: 'release',
      victoriaLogs: 'release',
    });
    expect(lineOf(run, 'collector')).toContain(`release not used: ${missingRow()}`);
    // The archive was never downloaded.
    expect(mirror.requests).not.toContain(assetPath('collector'));
  });

  test('release: exit 1, with the same reason', async () => {
    const run = await serveWindowsRowsOnly(() =>
      install({ DEMO_BINARIES: 'release', DEMO_BINARIES_RELEASE_URL: mirror.url, GO_BINARIES_DIR: freshCache() }),
    );
    expect(run.status).toBe(1);
    expect(lineOf(run, 'collector')).toContain(`FAILED`);
    expect(lineOf(run, 'collector')).toContain(`DEMO_BINARIES=release: ${missingRow()}`);
    expect(run.stdout).toBe('');
  });
});

test('DEMO_BINARIES=release stops on a tampered archive, with exit 1 and the reason', async () => {
  const cache = freshCache();
  mirror.modes.set(assetPath('collector'), 'tamper');
  const run = await install({ DEMO_BINARIES: 'release', DEMO_BINARIES_RELEASE_URL: mirror.url, GO_BINARIES_DIR: cache });
  expect(run.status).toBe(1);
  expect(lineOf(run, 'collector')).toMatch(/FAILED .*DEMO_BINARIES=release: CHECKSUM MISMATCH/);
  expect(run.stdout).toBe('');
});

test('a download cut short never lands in the cache', async () => {
  const cache = freshCache();
  mirror.modes.set(assetPath('victoria-logs'), 'cut-short');
  const run = await install({ DEMO_BINARIES: 'auto', DEMO_BINARIES_RELEASE_URL: mirror.url, GO_BINARIES_DIR: cache });
  expect(run.status).toBe(0);
  expect(parseInstallerOutput(run.stdout).sources.victoriaLogs).toBe('go');
  expect(lineOf(run, 'victoria-logs')).toMatch(/ go .*release not used: /);
  expect(existsSync(releaseDir(cache, 'victoria-logs', versionOf('victoria-logs')))).toBe(false);
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
