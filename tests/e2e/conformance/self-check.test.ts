/**
 * The bootstrap's self-check, in real child processes: each misconfiguration a user meets draws
 * its own warning line (what is lost, the likely cause, the exact fix), and a correct start draws
 * none (conformance.test.ts checks that for every row of the matrix). No Collector is needed: the
 * check reads the process, not its exports.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ManagedProcess } from '@demo/stack';
import { bundleOptions } from '@demo/telemetry';
import { build } from 'esbuild';
import { selfCheckLines } from './fixture';
import { BOOTSTRAP, FIXTURE_DIR, MODULE_SYSTEMS } from './matrix';

beforeAll(async () => {
  for (const system of MODULE_SYSTEMS) await system.make?.();
  // The fixture bundled whole, the instrumented packages inside: the mistake the recipe avoids.
  await build({
    ...bundleOptions(join(FIXTURE_DIR, 'app.ts'), join(FIXTURE_DIR, 'dist/app.all-in-one.mjs')),
    // The recipe without its externals: only @demo/contracts, which must read its .proto, stays out.
    external: ['@demo/contracts'],
    logLevel: 'error',
  });
});

/** Runs `args` in the fixture's folder until the self-check has had its turn, and returns its lines. */
async function selfCheckOf(args: string[], env: Record<string, string> = {}): Promise<string[]> {
  const child = new ManagedProcess(
    {
      name: 'misconfigured',
      command: process.execPath,
      args,
      cwd: FIXTURE_DIR,
      env: { PATH: process.env.PATH ?? '', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_METRICS_EXPORTER: 'none', ...env },
    },
    { echo: false },
  );
  // The check runs 1.5 s after start.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const logs = child.logs;
  await child.stop();
  return selfCheckLines(logs);
}

test('an ES module started with --require: express named, the cause, and the --import line to use', async () => {
  const lines = await selfCheckOf(['--require', BOOTSTRAP, 'dist/app.mjs']);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain('express is in use but not instrumented: SERVER spans have no http.route');
  expect(lines[0]).toContain('dist/app.mjs is an ES module, and --require hooks only require(), not import');
  expect(lines[0]).toContain('Fix: start it with node --import @demo/telemetry/register dist/app.mjs.');
});

test('a bundle with express inside: the cause, and the package to keep out of it', async () => {
  const lines = await selfCheckOf(['--import', BOOTSTRAP, 'dist/app.all-in-one.mjs']);
  expect(lines).toEqual([expect.stringContaining('express is in use but not instrumented')]);
  expect(lines[0]).toContain('express is bundled inside dist/app.all-in-one.mjs');
  expect(lines[0]).toContain('esbuild: --external:express');
});

test('the bootstrap required from app code after express: loaded before the bootstrap', async () => {
  const lines = await selfCheckOf(['late-bootstrap.cjs']);
  expect(lines).toEqual([expect.stringContaining('express is in use but not instrumented')]);
  expect(lines[0]).toContain('express was loaded before the bootstrap');
  expect(lines[0]).toContain('never import it from app code');
});

test('fetch in use with its instrumentation switched off: the variable to change', async () => {
  const lines = await selfCheckOf(['--import', BOOTSTRAP, 'fetch-at-start.mjs'], { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'undici' });
  expect(lines).toEqual([expect.stringContaining('fetch is in use but not instrumented: fetch() makes no CLIENT span')]);
  expect(lines[0]).toContain('leaves "undici" out');
});

test('the same process with fetch traced: no warning', async () => {
  expect(await selfCheckOf(['--import', BOOTSTRAP, 'fetch-at-start.mjs'])).toEqual([]);
});

test('the ES-module hook wraps the modules the instrumentations patch, and leaves the others alone', () => {
  // The fixture imports express, axios, @grpc/grpc-js and @demo/contracts, and axios's ES build
  // imports http and https: the patched two are wrapped; http and https need no hook (the
  // bootstrap's http instrumentation hooks Node's own events), and axios, the fixture's own
  // workspace package and every other module load as they are.
  const output = execFileSync(process.execPath, ['--import', BOOTSTRAP, '--import', './wrapped-modules.mjs', 'dist/app.mjs'], {
    cwd: FIXTURE_DIR,
    env: { PATH: process.env.PATH ?? '', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', PORT: '0', EXIT_AFTER_START: '1' },
    encoding: 'utf8',
    timeout: 20_000,
  });
  const { wrapped } = JSON.parse(output.trim().split('\n').pop() ?? '{}') as { wrapped: string[] };
  expect(wrapped).toEqual(['@grpc/grpc-js', 'express']);
});
