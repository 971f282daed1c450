/**
 * The four releases tools/install-binaries.sh downloads, laid out as their projects publish them: the
 * release page's path, every asset's name, what each archive holds, and each checksum file's rows in
 * its own format. The release mirror of install-binaries.test.ts serves exactly this.
 *
 * Written from listings of real releases (the evidence is quoted beside each part), and never from the
 * installer's table: the test checks that table against this. The one thing that is not published is
 * the binaries themselves: the archive for this machine holds the locally built binary at the path the
 * real one has, and every other archive holds a decoy.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export type Project = 'collector' | 'jaeger' | 'prometheus' | 'victoria-logs';

export interface PublishedRelease {
  project: Project;
  /** The release's download folder on github.com: /<owner>/<repository>/releases/download/<tag> */
  folder: string;
  /** Every asset of the release, by name. */
  assets: Map<string, Buffer>;
  /** The archive for this machine, and the checksum file that vouches for it. */
  archive: string;
  checksumFile: string;
}

/** The locally built binaries the archives for this machine carry. */
export type Binaries = Record<Project, string>;

/** The pinned versions, as .env spells them. */
export interface Versions {
  collector: string;
  jaeger: string;
  prometheus: string;
  victoriaLogs: string;
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const decoy = (what: string) =>
  Buffer.from(`#!/bin/sh\necho 'a decoy: ${what}, not the binary the installer should have taken' >&2\nexit 3\n`);
const sortedByName = (rows: [string, string][]) => rows.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** A gzipped tarball of these files (path inside → content), made with tar as the projects' tooling does. */
export function tarGz(files: Record<string, Buffer>): Buffer {
  const staging = mkdtempSync(join(tmpdir(), 'published-release-'));
  try {
    for (const [path, data] of Object.entries(files)) {
      mkdirSync(dirname(join(staging, 'root', path)), { recursive: true });
      writeFileSync(join(staging, 'root', path), data, { mode: 0o755 });
    }
    const tops = [...new Set(Object.keys(files).map((path) => path.split('/')[0] as string))].sort();
    const result = spawnSync('tar', ['-czf', join(staging, 'out.tar.gz'), '-C', join(staging, 'root'), ...tops]);
    if (result.status !== 0) throw new Error(`tar: ${result.stderr}`);
    return readFileSync(join(staging, 'out.tar.gz'));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** The real binary where `platform` is this machine's, a decoy anywhere else. */
const binaryFor = (platform: string, host: string, binary: string, what: string) =>
  platform === host ? readFileSync(binary) : decoy(`${what} for ${platform}`);

/**
 * The Collector, otelcol-contrib distribution.
 * - open-telemetry/opentelemetry-collector-releases#1002 quotes the checksum file of v0.129.1, with its
 *   format ("<sha256>  <name>", sorted by name) and kinds of rows:
 *   "fe57edb9...  otelcol-contrib_0.129.1_windows_386.tar.gz", "...windows_386.tar.gz.sbom.json",
 *   "..._windows_x64.msi"; and says v0.122.0's had 46 rows, every platform's.
 * - grafana/docker-otel-lgtm docker/download-otelcol.sh: ARCHIVE=otelcol-contrib_"${VERSION:1}"_linux_"${TARGETARCH}".tar.gz,
 *   downloaded from opentelemetry-collector-releases/releases/download/"${VERSION}"/, unpacked with
 *   tar xfz "${ARCHIVE}" -C /otel-lgtm/otelcol-contrib/: the binary is at the archive's root.
 * - Scripts pinning v0.161.0: ".../releases/download/v0.161.0/otelcol-contrib_0.161.0_linux_amd64.tar.gz"
 *   (sha256 778c689e..., also quoted in a second repository), "tar xzf otelcol.tar.gz otelcol-contrib";
 *   ".../v0.161.0/otelcol-contrib_0.161.0_linux_amd64.deb"; ".../v0.161.0/otelcol-contrib_0.161.0_windows_x64.msi".
 */
function collector(version: string, host: string, binary: string): PublishedRelease {
  const v = version.replace(/^v/, '');
  const assets = new Map<string, Buffer>();
  const platforms = [
    'darwin_amd64',
    'darwin_arm64',
    'linux_386',
    'linux_amd64',
    'linux_arm64',
    'linux_ppc64le',
    'linux_s390x',
    'windows_386',
    'windows_amd64',
  ];
  for (const platform of platforms) {
    const archive = `otelcol-contrib_${v}_${platform}.tar.gz`;
    const executable = platform.startsWith('windows') ? 'otelcol-contrib.exe' : 'otelcol-contrib';
    assets.set(archive, tarGz({ [executable]: binaryFor(platform, host.replace('-', '_'), binary, 'otelcol-contrib') }));
    assets.set(`${archive}.sbom.json`, Buffer.from(`{"spdxVersion":"SPDX-2.3","name":"${archive}"}\n`));
    if (platform.startsWith('linux')) {
      assets.set(`otelcol-contrib_${v}_${platform}.deb`, decoy('a .deb'));
      assets.set(`otelcol-contrib_${v}_${platform}.rpm`, decoy('an .rpm'));
    }
  }
  assets.set(`otelcol-contrib_${v}_windows_x64.msi`, decoy('an .msi'));
  assets.set(`otelcol-contrib_${v}_windows_x86.msi`, decoy('an .msi'));
  const checksumFile = 'opentelemetry-collector-releases_otelcol-contrib_checksums.txt';
  const rows = sortedByName([...assets].map(([name, data]) => [name, sha256(data)]));
  assets.set(checksumFile, Buffer.from(rows.map(([name, hash]) => `${hash}  ${name}\n`).join('')));
  return {
    project: 'collector',
    folder: `/open-telemetry/opentelemetry-collector-releases/releases/download/v${v}`,
    assets,
    archive: `otelcol-contrib_${v}_${host.replace('-', '_')}.tar.gz`,
    checksumFile,
  };
}

/**
 * Jaeger 2.x before 2.14.0 was published on the GitHub release of its v1 tag, the same commit. The pairs,
 * from jaegertracing/documentation's release commits ("Release 2.12.0/1.75.0 (#1027)", 2025-11-19, and
 * the rest); from "Release 2.14.0 (#1049)", 2026-01-01, the releases have v2 tags of their own.
 */
const JAEGER_V1_TAG_OF: Record<string, string> = Object.fromEntries(
  Array.from({ length: 14 }, (_, minor) => [`2.${minor}.0`, `v1.${63 + minor}.0`]),
);

/**
 * - jaegertracing/documentation at 21449428, hugo.yaml: binariesLatest "1.75.0", binariesLatestV2 "2.12.0";
 *   its binaries shortcode: "The releases on GitHub are currently tagged with v1xx tag, so we use $latestV1
 *   in the base URLs", asset printf "jaeger-%s-%s-amd64.tar.gz" $latest $key.
 * - jaegertracing/jaeger docs/SCARF.md: ".../jaeger/releases/download/v1.69.0/jaeger-2.6.0-darwin-amd64.tar.gz";
 *   phpactor/phpactor flake.nix: ".../releases/download/v1.73.0/jaeger-2.10.0-linux-amd64.tar.gz", then
 *   "install ./jaeger" (in the archive's one folder); eclipse-kuksa/kuksa-databroker doc/opentelemetry/README.md:
 *   ".../releases/download/v1.65.0/jaeger-2.2.0-linux-amd64.tar.gz", "cd jaeger-2.2.0-linux-amd64", "./jaeger".
 * - jaegertracing/documentation content/download.md, "Artifact Checksums": a checksum file per archive,
 *   "jaeger-1.39.0-darwin-amd64.sha256sum.txt", listing the files inside it as shasum -b writes them:
 *   "5088bcd3... *jaeger-1.39.0-darwin-amd64/example-hotrod".
 * - jaegertracing/jaeger v1.75.0, scripts/build/package-deploy.sh: three archives a platform, the v1
 *   binaries, the v2 ones (jaeger, example-hotrod) and the tools, each with its .sha256sum.txt, and a .asc
 *   signature of each archive. Not served here: the aggregate jaeger-<version>.sha256sum.txt the script
 *   also writes, which no listing of a real release shows.
 */
function jaeger(version: string, host: string, binary: string): PublishedRelease {
  const v2 = version.replace(/^v/, '');
  const tag = JAEGER_V1_TAG_OF[v2] ?? `v${v2}`;
  const v1 = tag.replace(/^v/, '');
  const assets = new Map<string, Buffer>();
  const addArchive = (folder: string, files: Record<string, Buffer>) => {
    const inside = Object.fromEntries(Object.entries(files).map(([name, data]) => [`${folder}/${name}`, data]));
    assets.set(`${folder}.tar.gz`, tarGz(inside));
    assets.set(`${folder}.tar.gz.asc`, Buffer.from('-----BEGIN PGP SIGNATURE-----\n(a decoy)\n-----END PGP SIGNATURE-----\n'));
    const rows = sortedByName(Object.entries(inside).map(([path, data]) => [path, sha256(data)]));
    assets.set(`${folder}.sha256sum.txt`, Buffer.from(rows.map(([path, hash]) => `${hash} *${path}\n`).join('')));
  };
  for (const platform of ['darwin-amd64', 'darwin-arm64', 'linux-amd64', 'linux-arm64', 'linux-ppc64le', 'linux-s390x']) {
    addArchive(`jaeger-${v1}-${platform}`, {
      'jaeger-all-in-one': decoy('Jaeger v1 all-in-one'),
      'jaeger-collector': decoy('Jaeger v1 collector'),
      'jaeger-query': decoy('Jaeger v1 query'),
      'jaeger-ingester': decoy('Jaeger v1 ingester'),
      'example-hotrod': decoy('HotROD'),
    });
    addArchive(`jaeger-${v2}-${platform}`, { jaeger: binaryFor(platform, host, binary, 'jaeger'), 'example-hotrod': decoy('HotROD') });
    addArchive(`jaeger-tools-${v1}-${platform}`, { 'jaeger-es-index-cleaner': decoy('a tool'), 'jaeger-es-rollover': decoy('a tool') });
  }
  return {
    project: 'jaeger',
    folder: `/jaegertracing/jaeger/releases/download/${tag}`,
    assets,
    archive: `jaeger-${v2}-${host}.tar.gz`,
    checksumFile: `jaeger-${v2}-${host}.sha256sum.txt`,
  };
}

/**
 * - aquaproj/aqua-registry pkgs/prometheus/prometheus/registry.yaml: asset
 *   "prometheus-{{trimV .Version}}.{{.OS}}-{{.Arch}}.tar.gz", checksum asset "sha256sums.txt", files
 *   "prometheus-{{trimV .Version}}.{{.OS}}-{{.Arch}}/prometheus" and ".../promtool".
 * - grafana/docker-otel-lgtm docker/download-prometheus.sh: ARCHIVE=prometheus-"${VERSION:1}".linux-"${TARGETARCH}",
 *   "sha256sum -c sha256sums.txt --ignore-missing": the file is sha256sum's format and lists more than one archive.
 * - prometheus/promu (the release tool), cmd/checksum.go: every file of the release, fmt.Fprintf(file, "%x  %s\n", ...);
 *   cmd/tarball.go: name "%s-%s.%s-%s" (project, version, os, arch), the files in a folder of that name.
 */
function prometheus(version: string, host: string, binary: string): PublishedRelease {
  const v = version.replace(/^v/, '');
  const assets = new Map<string, Buffer>();
  for (const platform of [
    'darwin-amd64',
    'darwin-arm64',
    'linux-386',
    'linux-amd64',
    'linux-arm64',
    'linux-armv7',
    'linux-ppc64le',
    'linux-s390x',
  ]) {
    const folder = `prometheus-${v}.${platform}`;
    assets.set(
      `${folder}.tar.gz`,
      tarGz({
        [`${folder}/prometheus`]: binaryFor(platform, host, binary, 'prometheus'),
        [`${folder}/promtool`]: decoy('promtool'),
        [`${folder}/prometheus.yml`]: Buffer.from('global:\n  scrape_interval: 15s\n'),
        [`${folder}/LICENSE`]: Buffer.from('Apache License 2.0\n'),
        [`${folder}/NOTICE`]: Buffer.from('The Prometheus systems and service monitoring server\n'),
      }),
    );
  }
  assets.set(`prometheus-${v}.windows-amd64.zip`, decoy('a Windows .zip'));
  const rows = sortedByName([...assets].map(([name, data]) => [name, sha256(data)]));
  assets.set('sha256sums.txt', Buffer.from(rows.map(([name, hash]) => `${hash}  ${name}\n`).join('')));
  return {
    project: 'prometheus',
    folder: `/prometheus/prometheus/releases/download/v${v}`,
    assets,
    archive: `prometheus-${v}.${host}.tar.gz`,
    checksumFile: 'sha256sums.txt',
  };
}

/**
 * - VictoriaLogs' QuickStart (VictoriaMetrics/VictoriaLogs docs): "Download the victoria-logs-<os>-<arch>-<version>.tar.gz
 *   archive ... It contains a single victoria-logs-prod binary", ".../VictoriaLogs/releases/download/v1.51.0/
 *   victoria-logs-linux-amd64-v1.51.0.tar.gz". (Until v1.24 the releases were on VictoriaMetrics/VictoriaMetrics
 *   under v1.x.y-victorialogs tags.)
 * - A Puppet module's spec: ".../VictoriaLogs/releases/download/v1.49.0/victoria-logs-linux-amd64-v1.49.0_checksums.txt",
 *   and the enterprise edition "includes -enterprise suffix"; a deployment guide lists
 *   "victoria-logs-linux-amd64-v1.51.1-enterprise.tar.gz".
 * - VictoriaLogs v1.52.1's Makefile (its Go module), release-victoria-logs-goos-goarch: the archive holds
 *   victoria-logs-prod, and the checksum file is "sha256sum <archive> victoria-logs-$(GOOS)-$(GOARCH)-prod |
 *   sed s/-$(GOOS)-$(GOARCH)-prod/-prod/": two rows, the archive and the binary. package/release/Makefile
 *   uploads bin/*.tar.gz and bin/*_checksums.txt; the enterprise edition is built from "$(TAG)-enterprise".
 */
function victoriaLogs(version: string, host: string, binary: string): PublishedRelease {
  const v = version.replace(/^v/, '');
  const assets = new Map<string, Buffer>();
  const addArchive = (archiveBase: string, program: Buffer) => {
    const archive = assets.set(`${archiveBase}.tar.gz`, tarGz({ 'victoria-logs-prod': program })).get(`${archiveBase}.tar.gz`) as Buffer;
    const rows = [`${sha256(archive)}  ${archiveBase}.tar.gz`, `${sha256(program)}  victoria-logs-prod`];
    assets.set(`${archiveBase}_checksums.txt`, Buffer.from(`${rows.join('\n')}\n`));
  };
  for (const platform of [
    'darwin-amd64',
    'darwin-arm64',
    'freebsd-amd64',
    'linux-386',
    'linux-amd64',
    'linux-arm',
    'linux-arm64',
    'openbsd-amd64',
  ]) {
    addArchive(`victoria-logs-${platform}-v${v}`, binaryFor(platform, host, binary, 'victoria-logs'));
    addArchive(`victoria-logs-${platform}-v${v}-enterprise`, decoy('the enterprise edition'));
    assets.set(`vlogscli-${platform}-v${v}.tar.gz`, tarGz({ 'vlogscli-prod': decoy('vlogscli') }));
  }
  return {
    project: 'victoria-logs',
    folder: `/VictoriaMetrics/VictoriaLogs/releases/download/v${v}`,
    assets,
    archive: `victoria-logs-${host}-v${v}.tar.gz`,
    checksumFile: `victoria-logs-${host}-v${v}_checksums.txt`,
  };
}

/**
 * The Collector's checksum file as v0.123 to v0.131 shipped it, with the Windows rows alone:
 * opentelemetry-collector-releases#1002 ("When I am looking at the checksums file for the release I only
 * see windows images", v0.129.1), fixed by #1086 ("Fix checksum files being overwritten by windows release").
 */
export const windowsRowsOnly = (checksums: Buffer) =>
  Buffer.from(
    checksums
      .toString()
      .split('\n')
      .filter((row) => row.includes('_windows_'))
      .map((row) => `${row}\n`)
      .join(''),
  );

/** The four releases, for this machine's `host` platform ("linux-amd64"), carrying `binaries`. */
export function publishedReleases(versions: Versions, host: string, binaries: Binaries): PublishedRelease[] {
  return [
    collector(versions.collector, host, binaries.collector),
    jaeger(versions.jaeger, host, binaries.jaeger),
    prometheus(versions.prometheus, host, binaries.prometheus),
    victoriaLogs(versions.victoriaLogs, host, binaries['victoria-logs']),
  ];
}
