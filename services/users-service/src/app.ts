import { createServiceApp, notFound, parseId, setRequestAttribute } from '@demo/service-kit';
import { Router } from 'express';
import type { UsersDatabase } from './database';
import type { PostsClient } from './posts-client';

// `user.id` from the (incubating) user attribute namespace of the semantic conventions.
const ATTR_USER_ID = 'user.id';

export function buildApp(database: UsersDatabase, posts: PostsClient, { faultInjection = false } = {}) {
  const routes = Router();
  routes.get('/users/:id', async (req, res) => {
    const id = parseId(req.params.id);
    setRequestAttribute(ATTR_USER_ID, id);
    const user = database.fetchUser(id);
    if (!user) throw notFound(`user ${id} does not exist`);
    res.json({ ...user, posts: await posts.listPosts(id) });
  });
  return createServiceApp({ routes, isReady: () => database.isOpen, faults: { service: 'users-service', enabled: faultInjection } });
}
