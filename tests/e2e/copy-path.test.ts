/**
 * The copy path, walked as a user walks it: docs/bootstrap.md's checklist, its lines read from the
 * page itself, in fresh folders outside the workspace. The bootstrap is packed with `pnpm pack`,
 * installed from the npm registry once with npm and once with pnpm, and preloaded in each folder by
 * two apps written here: an ES module that calls a CommonJS one with `fetch`. Their traces are read
 * back from the real Jaeger, through the real Collector.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, ManagedProcess, REPO_ROOT, Stack, waitForHttpOk } from '@demo/stack';
import { describe as describeSpans, waitForTrace } from './jaeger';

const checklist = readFileSync(join(REPO_ROOT, 'docs/bootstrap.md'), 'utf8');

/** The one line of the checklist that matches, or a failure naming what the page lacks. */
function lineOf(pattern: RegExp, what: string): string {
  const lines = checklist.split('\n').map((line) => line.trim().replace(/\s+#.*$/, ''));
  const found = lines.find((line) => pattern.test(line));
  if (!found) throw new Error(`docs/bootstrap.md's checklist has no ${what} (looked for ${pattern})`);
  return found;
}

const TARBALL = /\.\/demo-telemetry-[\d.]+\.tgz$/;
/** How each package manager is told the override, and the install line, as the checklist gives them. */
const INSTALLS = {
  npm: {
    override: lineOf(/^npm pkg set 'overrides\[@opentelemetry\/instrumentation\]=[\d.]+'$/, 'npm override line'),
    install: lineOf(/^npm install \S+ \.\/demo-telemetry-[\d.]+\.tgz$/, 'npm install line'),
  },
  pnpm: {
    install: lineOf(/^pnpm add \S+ \.\/demo-telemetry-[\d.]+\.tgz$/, 'pnpm add line'),
    workspaceYaml: `overrides:\n  ${lineOf(/^"@opentelemetry\/instrumentation": [\d.]+$/, 'pnpm override')}\n`,
  },
};
type PackageManager = keyof typeof INSTALLS;
/** The one instrumentation base the override asks for. */
const OVERRIDDEN_VERSION = /=([\d.]+)'$/.exec(INSTALLS.npm.override)?.[1];
const START_LINES = {
  commonjs: lineOf(/^node --require \S+\/register \S+$/, 'CommonJS start line').split(' '),
  esModule: lineOf(/^node --import \S+\/register \S+$/, 'ES-module start line').split(' '),
};

/** Answers /stock/:sku; a CommonJS module, as `require` loads it. */
const STOCK_APP = `const express = require('express');
const app = express();
app.get('/stock/:sku', (request, response) => response.json({ sku: request.params.sku, inStock: 3 }));
app.listen(Number(process.env.PORT), '127.0.0.1');
`;

/** Answers / itself, and /orders/:id with what the stock app says, asked with fetch. */
const SHOP_APP = `import express from 'express';
const app = express();
app.get('/', (request, response) => response.send('shop'));
app.get('/orders/:id', async (request, response) => {
  const stock = await fetch(\`\${process.env.STOCK_URL}/stock/\${request.params.id}\`);
  response.json({ order: request.params.id, stock: await stock.json() });
});
app.listen(Number(process.env.PORT), '127.0.0.1');
`;

let stack: Stack;
let tarball: string;
const folders: string[] = [];

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

beforeAll(async () => {
  const packed = mkdtempSync(join(tmpdir(), 'copy-path-pack-'));
  folders.push(packed);
  run('pnpm', ['pack', '--pack-destination', packed], join(REPO_ROOT, 'packages/telemetry'));
  tarball = join(packed, readdirSync(packed).find((file) => file.endsWith('.tgz')) as string);
  stack = await Stack.start({ ports: 'free', without: ['frontend', 'users-service', 'posts-service', 'rabbitmq'] });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** A fresh project, as `npm init` makes it, with the bootstrap installed as the checklist says. */
function installInFreshFolder(manager: PackageManager): string {
  const folder = mkdtempSync(join(tmpdir(), `copy-path-${manager}-`));
  folders.push(folder);
  run('npm', ['init', '--yes'], folder);
  if (manager === 'npm') run('sh', ['-c', INSTALLS.npm.override], folder);
  else writeFileSync(join(folder, 'pnpm-workspace.yaml'), INSTALLS.pnpm.workspaceYaml);
  run('sh', ['-c', INSTALLS[manager].install.replace(TARBALL, tarball)], folder);
  writeFileSync(join(folder, 'stock.cjs'), STOCK_APP);
  writeFileSync(join(folder, 'shop.mjs'), SHOP_APP);
  return folder;
}

/** Every version of `name` installed under the folder (a package manager's own layout, symlinks not followed). */
function installedVersions(folder: string, name: string): string[] {
  const manifests = readdirSync(join(folder, 'node_modules'), { recursive: true, encoding: 'utf8' }).filter((path) =>
    `/${path}`.endsWith(`/${name}/package.json`),
  );
  const versions = manifests.map(
    (path) => (JSON.parse(readFileSync(join(folder, 'node_modules', path), 'utf8')) as { version: string }).version,
  );
  return [...new Set(versions)];
}

async function startApp(folder: string, name: string, startLine: string[], main: string, env: Record<string, string>) {
  const [, flag, specifier] = startLine as [string, string, string];
  const port = await freePort();
  const app = new ManagedProcess(
    {
      name,
      command: process.execPath,
      args: [flag, specifier, main],
      cwd: folder,
      env: {
        PATH: process.env.PATH ?? '',
        PORT: String(port),
        OTEL_SERVICE_NAME: name,
        // As the checklist says: the Collector's OTLP/HTTP port, the bootstrap's default protocol.
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${stack.ports.collectorOtlpHttp}`,
        // Not the checklist's: spans leave within 200 ms instead of the SDK's 5 s, so the test waits less.
        OTEL_BSP_SCHEDULE_DELAY: '200',
        ...env,
      },
    },
    { echo: false },
  );
  return { app, url: `http://127.0.0.1:${port}` };
}

/** Sends a request under a parent of the test's own, and returns the trace id it belongs to. */
async function request(url: string): Promise<{ traceId: string; parentId: string; status: number }> {
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  const response = await fetch(url, { headers: { traceparent: `00-${traceId}-${parentId}-01` } });
  await response.arrayBuffer();
  return { traceId, parentId, status: response.status };
}

describe.each(Object.keys(INSTALLS) as PackageManager[])('installed with %s', (manager) => {
  let folder: string;
  let shop: Awaited<ReturnType<typeof startApp>>;
  let stock: Awaited<ReturnType<typeof startApp>>;

  beforeAll(async () => {
    folder = installInFreshFolder(manager);
    stock = await startApp(folder, `stock-${manager}`, START_LINES.commonjs, 'stock.cjs', {});
    shop = await startApp(folder, `shop-${manager}`, START_LINES.esModule, 'shop.mjs', { STOCK_URL: stock.url });
    await waitForHttpOk(`${stock.url}/stock/0`, 15_000, () => stock.app.isRunning);
    await waitForHttpOk(shop.url, 15_000, () => shop.app.isRunning);
  }, 300_000);

  afterAll(async () => {
    await shop?.app.stop();
    await stock?.app.stop();
  });

  test('one instrumentation base, at the override, and one API', () => {
    expect(installedVersions(folder, '@opentelemetry/instrumentation')).toEqual([OVERRIDDEN_VERSION]);
    expect(installedVersions(folder, '@opentelemetry/api')).toHaveLength(1);
  });

  test('an ES module calls a CommonJS app with fetch: SERVER with its route, the fetch CLIENT, the next SERVER, in one trace', async () => {
    const { traceId, parentId, status } = await request(`${shop.url}/orders/42`);
    expect(status).toBe(200);
    const { spans } = await waitForTrace(stack.jaegerUrl, traceId, 3);
    const server = spans.find((span) => span.service === `shop-${manager}` && span.kind === 'SERVER');
    const client = spans.find((span) => span.service === `shop-${manager}` && span.kind === 'CLIENT');
    const next = spans.find((span) => span.service === `stock-${manager}` && span.kind === 'SERVER');
    expect({ spans: describeSpans(spans), count: spans.length }).toEqual({ spans: expect.any(String), count: 3 });
    expect([server?.name, server?.attributes['http.route'], server?.parentSpanId]).toEqual(['GET /orders/:id', '/orders/:id', parentId]);
    expect([client?.name, client?.parentSpanId]).toEqual(['GET', server?.spanId]);
    expect([next?.name, next?.attributes['http.route'], next?.parentSpanId]).toEqual(['GET /stock/:sku', '/stock/:sku', client?.spanId]);
  });

  test("the root route is traced: a user's / is not the demo's page", async () => {
    const { traceId, status } = await request(`${shop.url}/`);
    expect(status).toBe(200);
    const { spans } = await waitForTrace(stack.jaegerUrl, traceId, 1);
    expect(spans.map((span) => [span.kind, span.name, span.attributes['http.route']])).toEqual([['SERVER', 'GET /', '/']]);
  });

  test("the start is silent, and the demo's own settings do not ride along", async () => {
    // The self-check runs 1.5 s after start (SELF_CHECK_DELAY_MS); by now both apps have served.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect({ shop: shop.app.logs, stock: stock.app.logs }).toEqual({ shop: '', stock: '' });
    const { traceId } = await request(`${shop.url}/orders/1`);
    const { spans } = await waitForTrace(stack.jaegerUrl, traceId, 3);
    expect(spans.map((span) => span.resource['service.namespace'])).toEqual([undefined, undefined, undefined]);
  });
});
