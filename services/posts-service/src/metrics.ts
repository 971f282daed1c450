import { metrics } from '@opentelemetry/api';

/**
 * The domain metric: posts handed out, by visibility. The HTTP duration histograms come from the
 * http instrumentation; this is what only the service itself knows. With tracing off (no SDK),
 * the API's no-op meter makes it free.
 */
const postsServed = metrics
  .getMeter('posts-service')
  .createCounter('posts.served', { description: 'Posts returned to callers, by visibility', unit: '{post}' });

export function countPostsServed(posts: readonly { visibility: string }[]): void {
  const byVisibility = new Map<string, number>();
  for (const post of posts) byVisibility.set(post.visibility, (byVisibility.get(post.visibility) ?? 0) + 1);
  for (const [visibility, count] of byVisibility) postsServed.add(count, { 'post.visibility': visibility });
}
