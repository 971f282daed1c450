import { loadPostsService, type PostsServiceClient } from '@demo/contracts';
import { httpErrorFromGrpc } from '@demo/service-kit';
import { credentials } from '@grpc/grpc-js';
import type { Post, PostsClient } from './posts-client';

/**
 * A lost connection is retried after a backoff that grpc-js lets grow to 120 s; while it waits,
 * every call fails at once. Capped here, posts-service back after an outage is used again
 * within a couple of seconds, as the HTTP client's next connection would be.
 */
const CHANNEL_OPTIONS = { 'grpc.initial_reconnect_backoff_ms': 250, 'grpc.max_reconnect_backoff_ms': 2_000 };

/**
 * posts-service over gRPC: posts.v1.PostsService/ListPosts. The grpc instrumentation makes the
 * CLIENT span and injects `traceparent` (and `baggage`) into the call's metadata. The outbound
 * timeout is the call's deadline; failures answer as the HTTP client's do (httpErrorFromGrpc).
 */
export class PostsGrpcClient implements PostsClient {
  private readonly client: PostsServiceClient;

  constructor(
    address: string,
    private readonly timeoutMs: number,
  ) {
    const PostsService = loadPostsService();
    this.client = new PostsService(address, credentials.createInsecure(), CHANNEL_OPTIONS);
  }

  listPosts(userId: number): Promise<Post[]> {
    return new Promise((resolve, reject) => {
      this.client.ListPosts({ userId }, { deadline: Date.now() + this.timeoutMs }, (error, response) => {
        if (error) reject(httpErrorFromGrpc(error, 'posts-service', this.timeoutMs));
        else resolve(response?.posts ?? []);
      });
    });
  }

  close(): void {
    this.client.close();
  }
}
