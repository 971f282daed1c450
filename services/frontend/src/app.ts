import { createServiceApp, parseId } from '@demo/service-kit';
import { Router } from 'express';
import { traceResponseAndLog } from './request-log';
import type { UsersClient } from './users-client';

export function buildApp(users: UsersClient, jaegerUiUrl: string) {
  const routes = Router();
  routes.get('/api/users/:id', async (req, res) => {
    const id = parseId(req.params.id);
    res.json(await users.getUser(id));
  });
  return createServiceApp({ routes, isReady: () => true, before: [traceResponseAndLog(jaegerUiUrl)] });
}
