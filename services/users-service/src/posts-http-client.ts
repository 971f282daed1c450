import { FetchServiceClient } from '@demo/service-kit';
import type { Post, PostsClient } from './posts-client.ts';

/**
 * posts-service over HTTP: GET /posts with Node's built-in fetch. The undici instrumentation makes
 * the CLIENT span and injects `traceparent` (the frontend's hop to this service uses axios, traced
 * by the http instrumentation instead: the demo shows both).
 */
export class PostsHttpClient implements PostsClient {
  private readonly client: FetchServiceClient;

  constructor(baseURL: string, timeoutMs: number) {
    this.client = new FetchServiceClient({ service: 'posts-service', baseURL, timeoutMs });
  }

  async listPosts(userId: number): Promise<Post[]> {
    const { posts } = await this.client.getJson<{ posts: Post[] }>('/posts', { userId });
    return posts;
  }
}
