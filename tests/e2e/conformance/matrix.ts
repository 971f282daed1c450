/**
 * The bootstrap's conformance matrix, as data: each kind of service a user has (module system ×
 * outbound client), how it is started, and the shape its trace must have. conformance.test.ts runs
 * every cell against the real Collector and Jaeger; docs/bootstrap.md renders this table (readme.test.ts
 * holds the two in step).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { bundleOptions } from '@demo/telemetry';
import { build } from 'esbuild';
import type { SpanKindName } from '../trace-contracts';

export const FIXTURE_DIR = join(__dirname, 'fixture');
const OUT_DIR = join(FIXTURE_DIR, 'dist');

export interface ModuleSystem {
  name: string;
  /** The main script, relative to the fixture's folder. */
  main: string;
  /** What docs/bootstrap.md shows: the start line, with the fixture's file standing for yours. */
  startLine: string;
  preloadFlag: '--require' | '--import';
  /** Makes `main` from fixture/app.ts (nothing to make for the source itself). */
  make?: () => Promise<void>;
}

export interface Client {
  name: string;
  /** The caller's CLIENT span and posts-service's SERVER span under it. */
  clientSpan: string;
  nextServerSpan: string;
}

/** The bootstrap as every row preloads it: the package's own specifier, as a user's service would. */
export const BOOTSTRAP = '@demo/telemetry/register';

const transform = (format: 'cjs' | 'esm', outfile: string) => async () => {
  mkdirSync(OUT_DIR, { recursive: true });
  await build({ entryPoints: [join(FIXTURE_DIR, 'app.ts')], outfile, platform: 'node', format, target: 'node26', logLevel: 'warning' });
};

export const MODULE_SYSTEMS: ModuleSystem[] = [
  {
    name: 'CommonJS',
    main: 'dist/app.cjs',
    startLine: `node --require ${BOOTSTRAP} dist/server.js`,
    preloadFlag: '--require',
    make: transform('cjs', join(OUT_DIR, 'app.cjs')),
  },
  {
    name: 'ES module',
    main: 'dist/app.mjs',
    startLine: `node --import ${BOOTSTRAP} dist/server.js`,
    preloadFlag: '--import',
    make: transform('esm', join(OUT_DIR, 'app.mjs')),
  },
  {
    name: 'bundled with esbuild (ES module)',
    main: 'dist/app.bundle.mjs',
    startLine: `node --import ${BOOTSTRAP} dist/bundle.mjs`,
    preloadFlag: '--import',
    make: async () => {
      // @demo/contracts reads its .proto beside itself at run time: it stays outside too.
      await build(bundleOptions(join(FIXTURE_DIR, 'app.ts'), join(OUT_DIR, 'app.bundle.mjs'), ['@demo/contracts']));
    },
  },
  {
    name: 'native TypeScript (Node 26 type stripping)',
    main: 'app.ts',
    startLine: `node --import ${BOOTSTRAP} src/server.ts`,
    preloadFlag: '--import',
  },
];

export const CLIENTS: Client[] = [
  { name: 'axios', clientSpan: 'GET', nextServerSpan: 'GET /posts' },
  { name: 'fetch', clientSpan: 'GET', nextServerSpan: 'GET /posts' },
  { name: 'gRPC', clientSpan: 'grpc.posts.v1.PostsService/ListPosts', nextServerSpan: 'grpc.posts.v1.PostsService/ListPosts' },
];

/** The route the fixture serves, as its SERVER span must name it. */
export const FIXTURE_ROUTE = '/hop/:client/:userId';

/** The shape every cell's trace must have: a SERVER span with its route, a CLIENT span under it, and posts-service's SERVER span under that. */
export function expectedShape(client: Client): { service: string; name: string; kind: SpanKindName; parentIndex: number | null }[] {
  return [
    { service: 'conformance-app', name: `GET ${FIXTURE_ROUTE}`, kind: 'SERVER', parentIndex: null },
    { service: 'conformance-app', name: client.clientSpan, kind: 'CLIENT', parentIndex: 0 },
    { service: 'posts-service', name: client.nextServerSpan, kind: 'SERVER', parentIndex: 1 },
  ];
}

/** The matrix as docs/bootstrap.md shows it: one row per module system, its start line, and a mark per client (columns aligned, as the formatter keeps them). */
export function renderMatrix(): string {
  const rows = [
    ['Your service', 'Start line', ...CLIENTS.map((client) => client.name)],
    ...MODULE_SYSTEMS.map((system) => [system.name, `\`${system.startLine}\``, ...CLIENTS.map(() => '✓')]),
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  const centred = (text: string, width: number) => {
    const left = Math.floor((width - text.length) / 2);
    return `${' '.repeat(left)}${text}${' '.repeat(width - text.length - left)}`;
  };
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const cell = (text: string, column: number) => (column < 2 ? text.padEnd(widths[column] ?? 0) : centred(text, widths[column] ?? 0));
  const rule = widths.map((width, column) => (column < 2 ? '-'.repeat(width) : `:${'-'.repeat(width - 2)}:`));
  const [header, ...body] = rows;
  return [line((header ?? []).map(cell)), line(rule), ...body.map((row) => line(row.map(cell)))].join('\n');
}
