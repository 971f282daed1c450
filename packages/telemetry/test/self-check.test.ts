/**
 * The self-check's two readings of a file name, against Node itself: which package a specifier
 * loads, and whether Node runs a script as an ES module. The warnings themselves are tested in
 * real processes (tests/e2e/conformance/self-check.test.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isEsModulePath, moduleNameOf } from '../src/self-check';

test.each([
  ['node:http', 'http'],
  ['http', 'http'],
  ['express', 'express'],
  ['express/lib/router', 'express'],
  ['@grpc/grpc-js', '@grpc/grpc-js'],
  ['@grpc/grpc-js/build/src/index.js', '@grpc/grpc-js'],
  ['./local.js', '.'],
])('moduleNameOf(%s) is %s', (specifier, name) => {
  expect(moduleNameOf(specifier)).toBe(name);
});

describe('isEsModulePath agrees with how Node runs the file', () => {
  const root = mkdtempSync(join(tmpdir(), 'module-kind-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** What Node made of the file: in an ES module, `module` is not defined. */
  const nodeRunsAsEsModule = (path: string) => execFileSync(process.execPath, [path], { encoding: 'utf8' }).trim() === 'esm';
  const SCRIPT = "console.log(typeof module === 'undefined' ? 'esm' : 'cjs');\n";

  test.each([
    ['plain/app.js', undefined],
    ['typed/app.js', 'module'],
    ['commonjs/app.js', 'commonjs'],
    ['typed/app.cjs', 'module'],
    ['plain/app.mjs', undefined],
    ['typed/nested/deeper/app.js', 'module'],
    ['typed/app.ts', 'module'],
    ['commonjs/app.mts', 'commonjs'],
  ])('%s (package type %s)', (file, type) => {
    const [folder] = file.split('/') as [string];
    mkdirSync(join(root, folder), { recursive: true });
    writeFileSync(join(root, folder, 'package.json'), JSON.stringify(type ? { type } : {}));
    const path = join(root, file);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, SCRIPT);
    expect(isEsModulePath(path)).toBe(nodeRunsAsEsModule(path));
  });
});
