import { requestedTransport, type Transport } from '@demo/service-kit';

export interface Post {
  id: number;
  title: string;
  body: string;
  visibility: string;
  createdAt: string;
}

/** users-service's one way to posts-service, whatever carries the call. */
export interface PostsClient {
  listPosts(userId: number): Promise<Post[]>;
}

/**
 * Picks, per request, the transport the request asked for (?transport=grpc at the frontend,
 * carried here in baggage): HTTP by default, gRPC on demand, with no restart.
 */
export class TransportChoosingPostsClient implements PostsClient {
  private readonly clients: Record<Transport, PostsClient>;

  constructor(clients: Record<Transport, PostsClient>) {
    this.clients = clients;
  }

  listPosts(userId: number): Promise<Post[]> {
    return this.clients[requestedTransport()].listPosts(userId);
  }
}
