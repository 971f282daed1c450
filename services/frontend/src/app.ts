import { createServiceApp, edgeBaggageFromQuery, parseId } from '@demo/service-kit';
import { Router } from 'express';
import { type BrowserTracesProxyOptions, browserTracesProxy } from './browser-traces-proxy';
import { type PageSettings, pageRoutes } from './page';
import { traceResponse } from './trace-response';
import type { UsersClient } from './users-client';

export interface FrontendOptions {
  jaegerUiUrl: string;
  faultInjection?: boolean;
  /** The demo page (absent: the API alone, as in unit tests). */
  page?: Pick<PageSettings, 'publicDir'>;
  /** The browser's span proxy (absent: not served). */
  browserTraces?: BrowserTracesProxyOptions;
}

export function buildApp(users: UsersClient, { jaegerUiUrl, faultInjection = false, page, browserTraces }: FrontendOptions) {
  const routes = Router();
  routes.get('/api/users/:id', async (req, res) => {
    const id = parseId(req.params.id);
    res.json(await users.getUser(id));
  });
  return createServiceApp({
    routes,
    isReady: () => true,
    // The public edge: incoming baggage is dropped here; ?fault= and ?transport= become the only baggage sent on.
    // The page and the span proxy come before the JSON body parser: the proxy reads its own bodies.
    before: [
      traceResponse(),
      edgeBaggageFromQuery({ faultInjection }),
      ...(page ? [pageRoutes({ ...page, jaegerUiUrl, faultInjection })] : []),
      ...(browserTraces ? [browserTracesProxy(browserTraces)] : []),
    ],
    traceUrl: (traceId) => `${jaegerUiUrl}/trace/${traceId}`,
    faults: { service: 'frontend', enabled: faultInjection },
  });
}
