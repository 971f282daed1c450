import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router } from 'express';

export interface PageSettings {
  /** dist/public: index.html and the bundle, as `pnpm build` writes them. */
  publicDir: string;
  jaegerUiUrl: string;
  faultInjection: boolean;
}

/**
 * Everything the page loads, fetches and posts is its own origin's: no CDN, no third party, and
 * spans leave through the frontend. The inline <style> is the one exception.
 */
export const PAGE_CSP =
  "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The paths the page is served from; the bootstrap leaves them untraced (TELEMETRY_UNTRACED_PATHS in .env). */
export const PAGE_PATH = '/';
export const ASSETS_PATH = '/assets';

/**
 * Serves the demo page at / and its bundle under /assets. The page learns its settings from two
 * meta tags filled in here, once, so that it needs no configuration request of its own.
 */
export function pageRoutes({ publicDir, jaegerUiUrl, faultInjection }: PageSettings): Router {
  const html = readFileSync(join(publicDir, 'index.html'), 'utf8')
    .replaceAll('{{JAEGER_UI_URL}}', escapeAttribute(jaegerUiUrl))
    .replace('{{FAULT_INJECTION_ENABLED}}', String(faultInjection));
  const routes = Router();
  routes.get(PAGE_PATH, (_req, res) => {
    res.set({ 'cache-control': 'no-cache', 'content-security-policy': PAGE_CSP, 'x-content-type-options': 'nosniff' });
    res.type('html').send(html);
  });
  routes.use(ASSETS_PATH, express.static(join(publicDir, 'assets'), { fallthrough: true, index: false }));
  return routes;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
