import { createServiceApp, notFound, parseId, setRequestAttribute } from '@demo/service-kit';
import { Router } from 'express';
import type { UsersDatabase } from './database.ts';
import type { PostsClient } from './posts-client.ts';

// `user.id` from the (incubating) user attribute namespace of the semantic conventions.
const ATTR_USER_ID = 'user.id';

export interface UsersAppOptions {
  faultInjection?: boolean;
  /**
   * The planted bottleneck's fix (FIX_SEQUENTIAL_FETCH). Reading the user and listing their posts
   * do not depend on each other, yet by default they run one after the other: the waterfall
   * shows a staircase. Fixed, they run side by side, at the price of a posts call for a user
   * that turns out not to exist.
   */
  fetchInParallel?: boolean;
}

export function buildApp(
  database: UsersDatabase,
  posts: PostsClient,
  { faultInjection = false, fetchInParallel = false }: UsersAppOptions = {},
) {
  const routes = Router();
  routes.get('/users/:id', async (req, res) => {
    const id = parseId(req.params.id);
    setRequestAttribute(ATTR_USER_ID, id);
    const [user, userPosts] = fetchInParallel
      ? await Promise.all([database.fetchUser(id), posts.listPosts(id)])
      : await fetchOneThenTheOther(database, posts, id);
    if (!user) throw notFound(`user ${id} does not exist`);
    res.json({ ...user, posts: userPosts });
  });
  return createServiceApp({ routes, isReady: () => database.isOpen, faults: { service: 'users-service', enabled: faultInjection } });
}

async function fetchOneThenTheOther(database: UsersDatabase, posts: PostsClient, id: number) {
  const user = await database.fetchUser(id);
  return [user, user ? await posts.listPosts(id) : []] as const;
}
