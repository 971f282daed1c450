/**
 * Two copies of the API mean two global registries: spans started through one are invisible to a
 * provider registered through the other. Two copies of the instrumentation base, or of grpc-js,
 * mean a module patched by one copy and loaded through the other; two of import-in-the-middle, a
 * loader hook that never sees the instrumentations' hooks. The lockfile is the whole
 * tree's truth (pnpm why reads it too): each of these may appear in it at one version only.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const lockfile = readFileSync(join(__dirname, '../../../pnpm-lock.yaml'), 'utf8');

/** The versions the lockfile's packages section holds for `name`. */
function versionsOf(name: string): string[] {
  const escaped = name.replace(/[/+.]/g, (c) => `\\${c}`);
  const found = [...lockfile.matchAll(new RegExp(`^  '?${escaped}@([^(':]+)`, 'gm'))].map((match) => match[1] as string);
  return [...new Set(found)];
}

test.each([
  '@opentelemetry/api',
  '@opentelemetry/instrumentation',
  '@opentelemetry/core',
  '@opentelemetry/sdk-trace',
  '@grpc/grpc-js',
  '@grpc/proto-loader',
  // The ES-module hook and the instrumentations' Hook() calls must meet in one copy.
  'import-in-the-middle',
  'require-in-the-middle',
])('the whole tree holds one version of %s', (name) => {
  expect(versionsOf(name)).toHaveLength(1);
});
