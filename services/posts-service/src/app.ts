import { createServiceApp } from '@demo/service-kit';
import { Router } from 'express';
import type { PostsDatabase } from './database';
import { listVisiblePosts, type ServedListener } from './posts';

/**
 * The HTTP adapter: GET /posts?userId=<id>[&viewerId=<id>]. `/readyz` also waits for
 * `otherTransportsReady` (the gRPC server bound), so that a ready service serves both.
 */
export function buildApp(
  database: PostsDatabase,
  {
    faultInjection = false,
    otherTransportsReady = (): boolean => true,
    onServed,
  }: { faultInjection?: boolean; otherTransportsReady?: () => boolean; onServed?: ServedListener } = {},
) {
  const routes = Router();
  routes.get('/posts', async (req, res) => {
    res.json({ posts: await listVisiblePosts(database, req.query, onServed) });
  });
  return createServiceApp({
    routes,
    isReady: () => database.isOpen && otherTransportsReady(),
    faults: { service: 'posts-service', enabled: faultInjection },
  });
}
