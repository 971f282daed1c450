/**
 * What the page (web/tracing.ts) and the frontend's span proxy must agree on. The page's bundle
 * imports this file too, so it holds constants only.
 */

/** The browser's service.name; the proxy refuses any other. */
export const BROWSER_SERVICE_NAME = 'frontend-web';

/** Where the page posts its spans (OTLP/HTTP JSON): same origin, so CORS stays closed. */
export const BROWSER_TRACES_PATH = '/otlp/v1/traces';
