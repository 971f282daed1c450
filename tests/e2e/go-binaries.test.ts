/** tools/build-go-binaries.sh: the binaries are the .env releases; without Go, a clear message. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureGoBinaries, REPO_ROOT, readEnvFile } from '@demo/stack';

test('without Go it stops with exit 1 and says what to install', () => {
  // A PATH with the few tools the script needs before it looks for Go, and no Go.
  const bin = mkdtempSync(join(tmpdir(), 'no-go-'));
  for (const tool of ['dirname', 'sed']) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    symlinkSync(found, join(bin, tool));
  }
  const result = spawnSync('/bin/bash', [join(REPO_ROOT, 'tools/build-go-binaries.sh')], { env: { PATH: bin }, encoding: 'utf8' });
  rmSync(bin, { recursive: true });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain('Go is not installed');
  expect(result.stderr).toContain('install Go 1.26.7 or newer');
  expect(result.stdout).toBe('');
});

test('the binaries are the releases .env names, as the compose images are', () => {
  const dotenv = readEnvFile(join(REPO_ROOT, '.env'));
  const binaries = ensureGoBinaries(REPO_ROOT);
  const version = (binary: string) => spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout;
  expect(version(binaries.collector)).toContain(`version ${dotenv.OTEL_COLLECTOR_VERSION}`);
  expect(version(binaries.prometheus)).toContain(`version ${dotenv.PROMETHEUS_VERSION?.replace(/^v/, '')}`);
  expect(binaries.jaeger).toContain(`jaeger-${dotenv.JAEGER_GO_MODULE_VERSION}`);
  expect(version(binaries.victoriaLogs).trim()).toBe(`victoria-logs-${dotenv.VICTORIA_LOGS_VERSION}`);
});
