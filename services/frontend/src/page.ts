import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router } from 'express';

export interface PageSettings {
  /** dist/public: index.html and the bundle, as `pnpm build` writes them. */
  publicDir: string;
  jaegerUiUrl: string;
  faultInjection: boolean;
}

/** The paths the page is served from; the bootstrap leaves them untraced (UNTRACED_PATHS). */
export const PAGE_PATH = '/';
export const ASSETS_PATH = '/assets';

/**
 * Serves the demo page at / and its bundle under /assets. The page learns its settings from two
 * meta tags filled in here, once, so that it needs no configuration request of its own.
 */
export function pageRoutes({ publicDir, jaegerUiUrl, faultInjection }: PageSettings): Router {
  const html = readFileSync(join(publicDir, 'index.html'), 'utf8')
    .replace('{{JAEGER_UI_URL}}', escapeAttribute(jaegerUiUrl))
    .replace('{{FAULT_INJECTION_ENABLED}}', String(faultInjection));
  const routes = Router();
  routes.get(PAGE_PATH, (_req, res) => {
    res.set('cache-control', 'no-cache').type('html').send(html);
  });
  routes.use(ASSETS_PATH, express.static(join(publicDir, 'assets'), { fallthrough: true, index: false }));
  return routes;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
