import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { buildApp } from '../src/app';
import { PAGE_CSP } from '../src/page';
import type { UsersClient } from '../src/users-client';

let publicDir: string;
beforeAll(() => {
  publicDir = mkdtempSync(join(tmpdir(), 'page-'));
  mkdirSync(join(publicDir, 'assets'));
  writeFileSync(
    join(publicDir, 'index.html'),
    '<meta name="a" content="{{JAEGER_UI_URL}}"><meta name="b" content="{{FAULT_INJECTION_ENABLED}}">',
  );
  writeFileSync(join(publicDir, 'assets', 'app.js'), 'console.log(1)');
});
afterAll(() => rmSync(publicDir, { recursive: true, force: true }));
beforeEach(() => jest.spyOn(process.stdout, 'write').mockImplementation(() => true));
afterEach(() => jest.restoreAllMocks());

const app = (jaegerUiUrl: string) => buildApp({} as UsersClient, { jaegerUiUrl, faultInjection: true, page: { publicDir } });

test('/ is the page, with its settings filled in and escaped', async () => {
  const response = await request(app('http://localhost:16686/"><script>')).get('/').expect(200);
  expect(response.headers['content-type']).toMatch(/^text\/html/);
  expect(response.headers['content-security-policy']).toBe(PAGE_CSP);
  expect(response.text).toBe('<meta name="a" content="http://localhost:16686/&quot;&gt;&lt;script&gt;"><meta name="b" content="true">');
});

test('the bundle is served from /assets, and nothing else is', async () => {
  const bundle = await request(app('')).get('/assets/app.js').expect(200);
  expect(bundle.headers['content-type']).toMatch(/javascript/);
  await request(app('')).get('/assets/../index.html').expect(404);
  await request(app('')).get('/assets/missing.js').expect(404);
});
