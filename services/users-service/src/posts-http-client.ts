import { ServiceClient } from '@demo/service-kit';

export interface Post {
  id: number;
  title: string;
  body: string;
  visibility: string;
  createdAt: string;
}

/** users-service's outbound client: the one place it talks to posts-service. */
export class PostsClient {
  private readonly client: ServiceClient;

  constructor(baseURL: string, timeoutMs: number) {
    this.client = new ServiceClient({ service: 'posts-service', baseURL, timeoutMs });
  }

  async listPosts(userId: number): Promise<Post[]> {
    const { posts } = await this.client.getJson<{ posts: Post[] }>('/posts', { userId });
    return posts;
  }
}
