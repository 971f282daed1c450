/** tools/build-go-binaries.sh, the installer's Go path: the binaries are the .env releases; without Go, a clear message. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ensureBinaries, REPO_ROOT, readEnvFile } from '@demo/stack';
import { pathWithOnly } from './path-without-go';

/** A PATH with the few tools the script uses, and no Go. */
const pathWithoutGo = () => pathWithOnly(['dirname', 'sed', 'sha256sum', 'cut'], tmpdir());

test('without Go, with nothing built yet, it stops with exit 1 and says what to install', () => {
  const bin = pathWithoutGo();
  const cache = mkdtempSync(join(tmpdir(), 'empty-cache-'));
  const result = spawnSync('/bin/bash', [join(REPO_ROOT, 'tools/build-go-binaries.sh')], {
    env: { PATH: bin, GO_BINARIES_DIR: cache },
    encoding: 'utf8',
  });
  rmSync(bin, { recursive: true });
  rmSync(cache, { recursive: true });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain('Go is not installed, and the Collector is not built yet');
  expect(result.stderr).toContain('Install Go 1.26.7 or newer');
  expect(result.stdout).toBe('');
});

test('without Go, a binary already built is enough', () => {
  const built = ensureBinaries(REPO_ROOT, { ...process.env, DEMO_BINARIES: 'go' });
  const bin = pathWithoutGo();
  const env = { PATH: bin, GO_BINARIES_DIR: dirname(dirname(built.jaeger)) };
  const result = spawnSync('/bin/bash', [join(REPO_ROOT, 'tools/build-go-binaries.sh'), 'jaeger'], { env, encoding: 'utf8' });
  rmSync(bin, { recursive: true });
  expect(result.stderr).toBe('');
  expect(result.stdout).toBe(`JAEGER_BIN=${built.jaeger}\n`);
});

test('the binaries are the releases .env names, as the compose images are', () => {
  const dotenv = readEnvFile(join(REPO_ROOT, '.env'));
  const binaries = ensureBinaries(REPO_ROOT);
  const version = (binary: string) => spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout;
  expect(version(binaries.collector)).toContain(`version ${dotenv.OTEL_COLLECTOR_VERSION}`);
  expect(version(binaries.prometheus)).toContain(`version ${dotenv.PROMETHEUS_VERSION?.replace(/^v/, '')}`);
  expect(binaries.jaeger).toContain(`jaeger-${dotenv.JAEGER_GO_MODULE_VERSION}`);
  expect(version(binaries.victoriaLogs).trim()).toBe(`victoria-logs-${dotenv.VICTORIA_LOGS_VERSION}`);
});
