import { createServiceApp, faultFromQuery, parseId } from '@demo/service-kit';
import { Router } from 'express';
import { traceResponse } from './trace-response';
import type { UsersClient } from './users-client';

export function buildApp(users: UsersClient, jaegerUiUrl: string, { faultInjection = false } = {}) {
  const routes = Router();
  routes.get('/api/users/:id', async (req, res) => {
    const id = parseId(req.params.id);
    res.json(await users.getUser(id));
  });
  return createServiceApp({
    routes,
    isReady: () => true,
    // The public edge: incoming baggage is dropped here, and ?fault= becomes the only baggage sent on.
    before: [traceResponse(), faultFromQuery(faultInjection)],
    traceUrl: (traceId) => `${jaegerUiUrl}/trace/${traceId}`,
    faults: { service: 'frontend', enabled: faultInjection },
  });
}
