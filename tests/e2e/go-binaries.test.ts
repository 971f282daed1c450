/** tools/build-go-binaries.sh on a machine without Go: a clear message, not a cryptic failure. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@demo/stack';

test('without Go it stops with exit 1 and says what to install', () => {
  // A PATH with the few tools the script needs before it looks for Go, and no Go.
  const bin = mkdtempSync(join(tmpdir(), 'no-go-'));
  for (const tool of ['dirname', 'sed']) {
    const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    symlinkSync(found, join(bin, tool));
  }
  const result = spawnSync('/bin/bash', [join(REPO_ROOT, 'tools/build-go-binaries.sh')], { env: { PATH: bin }, encoding: 'utf8' });
  expect(result.status).toBe(1);
  expect(result.stderr).toContain('Go is not installed');
  expect(result.stderr).toContain('install Go 1.25 or newer');
  expect(result.stdout).toBe('');
});
