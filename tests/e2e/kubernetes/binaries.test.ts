/** tools/kubernetes/build-binaries.sh: the releases .env names, stamped; without Go, a clear message. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, readEnvFile } from '@demo/stack';
import { ensureKubernetesBinaries } from './binaries';

test('the binaries are the releases .env names, and say so (kubectl and helm parse the version)', () => {
  const dotenv = readEnvFile(join(REPO_ROOT, '.env'));
  const binaries = ensureKubernetesBinaries();
  const output = (binary: string, ...args: string[]) => spawnSync(binary, args, { encoding: 'utf8' }).stdout;
  expect(output(binaries.kubeApiserver, '--version').trim()).toBe(`Kubernetes ${dotenv.KUBERNETES_VERSION}`);
  expect(output(binaries.kubeControllerManager, '--version').trim()).toBe(`Kubernetes ${dotenv.KUBERNETES_VERSION}`);
  expect(output(binaries.kubeScheduler, '--version').trim()).toBe(`Kubernetes ${dotenv.KUBERNETES_VERSION}`);
  expect(output(binaries.kwok, '--version')).toContain(`kwok version ${dotenv.KWOK_VERSION} `);
  expect(output(binaries.etcd, '--version')).toContain(`etcd Version: ${dotenv.ETCD_VERSION?.replace(/^v/, '')}`);
  expect(output(binaries.helm, 'version', '--short')).toContain(`${dotenv.HELM_VERSION}`);
});

test('without Go it stops with exit 1 and says what to install', () => {
  const bin = mkdtempSync(join(tmpdir(), 'no-go-'));
  for (const tool of ['dirname', 'sed']) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    symlinkSync(found, join(bin, tool));
  }
  const result = spawnSync('/bin/bash', [join(REPO_ROOT, 'tools/kubernetes/build-binaries.sh')], { env: { PATH: bin }, encoding: 'utf8' });
  rmSync(bin, { recursive: true });
  expect([result.status, result.stdout]).toEqual([1, '']);
  expect(result.stderr).toContain('Go is not installed');
});
