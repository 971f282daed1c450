import type { Post, PostsDatabase } from './database';
import { countPostsServed } from './metrics';
import { validatePostPermissions } from './permissions';

/**
 * The one thing posts-service does, whatever the transport: decide what the caller may see
 * (validate_post_permissions), read it (fetch_posts_from_db), count it. The Express route
 * (app.ts) and the gRPC handler (grpc-server.ts) are thin adapters around this.
 */
export async function listVisiblePosts(
  database: PostsDatabase,
  query: { userId?: unknown; viewerId?: unknown },
  onServed: ServedListener = () => {},
): Promise<Post[]> {
  const { authorId, visibilities } = validatePostPermissions(query);
  const posts = await database.fetchPosts(authorId, visibilities);
  countPostsServed(posts);
  if (posts.length > 0) onServed(authorId, posts);
  return posts;
}

/** Told of every non-empty list served (posts-service's view events, when a broker is configured). */
export type ServedListener = (authorId: number, posts: readonly Post[]) => void;
