import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

// The page and the OpenTelemetry web SDK together, as `pnpm build` bundles them (web/build.mjs).
const BUNDLE = join(__dirname, '..', 'dist', 'public', 'assets', 'app.js');
const BUDGET_GZIP_BYTES = 60 * 1024;

test('the page bundle is built, and within its gzipped budget', () => {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run pnpm build first`);
  const code = readFileSync(BUNDLE);
  const gzipped = gzipSync(code, { level: 9 }).length;
  console.log(`page bundle: ${code.length} bytes, ${gzipped} gzipped (budget ${BUDGET_GZIP_BYTES})`);
  expect(gzipped).toBeLessThanOrEqual(BUDGET_GZIP_BYTES);
  // No CDN: the bundle imports nothing from elsewhere.
  expect(code.toString('utf8')).not.toMatch(/\bimport\s*["'(]|from\s*["']https?:/);
});
