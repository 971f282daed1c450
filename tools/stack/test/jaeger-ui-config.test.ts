import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JAEGER_UI_CONFIG, jaegerUiConfigFor } from '../src/components/jaeger';
import { readEnvFile } from '../src/env-file';
import { REPO_ROOT } from '../src/repo';

const envPort = Number(readEnvFile(join(REPO_ROOT, '.env')).VICTORIA_LOGS_PORT);
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'jaeger-ui-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test("on the .env port, Jaeger reads the repo's own file", () => {
  expect(jaegerUiConfigFor(envPort, dir)).toBe(JAEGER_UI_CONFIG);
});

test('on another port, Jaeger reads a copy whose logs link names that port, and nothing else changed', () => {
  const copy = jaegerUiConfigFor(23_456, dir);
  expect(copy).toBe(join(dir, 'jaeger-ui-config.json'));
  const original = readFileSync(JAEGER_UI_CONFIG, 'utf8');
  expect(readFileSync(copy, 'utf8')).toBe(original.replaceAll(`//localhost:${envPort}/`, '//localhost:23456/'));
  expect(original).toContain(`//localhost:${envPort}/select/vmui/`);
});
