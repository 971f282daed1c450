import { createServiceApp } from '@demo/service-kit';
import { Router } from 'express';
import type { PostsDatabase } from './database';
import { countPostsServed } from './metrics';
import { validatePostPermissions } from './permissions';

export function buildApp(database: PostsDatabase, { faultInjection = false } = {}) {
  const routes = Router();
  routes.get('/posts', async (req, res) => {
    const { authorId, visibilities } = validatePostPermissions(req.query);
    const posts = await database.fetchPosts(authorId, visibilities);
    countPostsServed(posts);
    res.json({ posts });
  });
  return createServiceApp({ routes, isReady: () => database.isOpen, faults: { service: 'posts-service', enabled: faultInjection } });
}
