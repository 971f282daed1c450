// Bundles the page (web/main.ts and the OpenTelemetry web SDK) into dist/public, beside the
// frontend's compiled server, and reports the bundle's gzipped size against its budget.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const webDir = dirname(fileURLToPath(import.meta.url));
const publicDir = join(webDir, '..', 'dist', 'public');
const bundle = join(publicDir, 'assets', 'app.js');
// The budget for the SDK and the page together (tests/bundle-budget.test.ts enforces it).
const BUDGET_GZIP_BYTES = 60 * 1024;

await build({
  entryPoints: [join(webDir, 'main.ts')],
  outfile: bundle,
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'warning',
});
mkdirSync(publicDir, { recursive: true });
copyFileSync(join(webDir, 'index.html'), join(publicDir, 'index.html'));

const code = readFileSync(bundle);
const gzipped = gzipSync(code, { level: 9 }).length;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const verdict = gzipped <= BUDGET_GZIP_BYTES ? 'within' : 'OVER';
console.log(`page bundle: ${kb(code.length)}, ${kb(gzipped)} gzipped (${verdict} the ${kb(BUDGET_GZIP_BYTES)} budget)`);
