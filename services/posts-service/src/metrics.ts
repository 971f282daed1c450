import { metrics } from '@opentelemetry/api';

/**
 * The domain metric: posts handed out, by visibility. Request rates and durations come from the
 * spans (the Collector's span metrics); this is what only the service itself knows. With tracing off (no SDK),
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

/** What the view-event publisher and consumer count, read when metrics are collected. */
export interface ViewEventCounters {
  publisher?: { counts: object; buffered: number };
  recorder?: { counts: object };
}

/**
 * The view events' fate, one series per outcome (published, confirmed, resent, dropped; recorded,
 * repeats, failedAttempts, rejected), and the events waiting for the broker. Together they answer
 * "was anything lost": confirmed events end recorded, and none is dropped without a count.
 */
export function observeViewEvents({ publisher, recorder }: ViewEventCounters): void {
  const meter = metrics.getMeter('posts-service');
  meter
    .createObservableCounter('posts.view_events', { description: 'posts.viewed events, by outcome', unit: '{event}' })
    .addCallback((result) => {
      const counts = { ...publisher?.counts, ...recorder?.counts } as Record<string, number>;
      for (const [outcome, count] of Object.entries(counts)) result.observe(count, { 'posts.view_event.outcome': outcome });
    });
  meter
    .createObservableGauge('posts.view_events.buffered', { description: 'posts.viewed events waiting for the broker', unit: '{event}' })
    .addCallback((result) => result.observe(publisher?.buffered ?? 0));
}
