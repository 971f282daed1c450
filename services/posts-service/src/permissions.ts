import { parseId, withSpan } from '@demo/service-kit';
import type { Visibility } from './database';

export interface PostsQuery {
  authorId: number;
  /** The visibilities the caller may see: an author sees their private posts, others do not. */
  visibilities: Visibility[];
}

/**
 * Decides what the caller may list. The viewer is whoever `viewerId` names; without one the
 * caller is anonymous and sees public posts only.
 */
export function validatePostPermissions(query: { userId?: unknown; viewerId?: unknown }): PostsQuery {
  return withSpan('validate_post_permissions', {}, (span) => {
    const authorId = parseId(query.userId, 'userId');
    const viewerId = query.viewerId === undefined ? undefined : parseId(query.viewerId, 'viewerId');
    const isAuthor = viewerId === authorId;
    const visibilities: Visibility[] = isAuthor ? ['public', 'private'] : ['public'];
    span.setAttributes({
      'posts.viewer.anonymous': viewerId === undefined,
      'posts.viewer.is_author': isAuthor,
      'posts.visibilities': visibilities,
    });
    return { authorId, visibilities };
  });
}
