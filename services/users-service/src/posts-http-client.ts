import { ServiceClient } from '@demo/service-kit';
import type { Post, PostsClient } from './posts-client';

/** posts-service over HTTP: GET /posts with axios. The http instrumentation injects `traceparent`. */
export class PostsHttpClient implements PostsClient {
  private readonly client: ServiceClient;

  constructor(baseURL: string, timeoutMs: number) {
    this.client = new ServiceClient({ service: 'posts-service', baseURL, timeoutMs });
  }

  async listPosts(userId: number): Promise<Post[]> {
    const { posts } = await this.client.getJson<{ posts: Post[] }>('/posts', { userId });
    return posts;
  }
}
