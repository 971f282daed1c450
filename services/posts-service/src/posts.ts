import type { Post, PostsDatabase } from './database';
import { countPostsServed } from './metrics';
import { validatePostPermissions } from './permissions';

/**
 * The one thing posts-service does, whatever the transport: decide what the caller may see
 * (validate_post_permissions), read it (fetch_posts_from_db), count it. The Express route
 * (app.ts) and the gRPC handler (grpc-server.ts) are thin adapters around this.
 */
export async function listVisiblePosts(database: PostsDatabase, query: { userId?: unknown; viewerId?: unknown }): Promise<Post[]> {
  const { authorId, visibilities } = validatePostPermissions(query);
  const posts = await database.fetchPosts(authorId, visibilities);
  countPostsServed(posts);
  return posts;
}
