import { loadPostsService, type PostsServiceClient } from '@demo/contracts';
import { httpErrorFromGrpc } from '@demo/service-kit';
import { connectivityState, credentials } from '@grpc/grpc-js';
import type { Post, PostsClient } from './posts-client.ts';

/**
 * grpc-js lets a channel's reconnect backoff grow to 120 s. The client below replaces a channel
 * in backoff anyway; the cap bounds a channel that no call asks to replace.
 */
const CHANNEL_OPTIONS = { 'grpc.initial_reconnect_backoff_ms': 250, 'grpc.max_reconnect_backoff_ms': 2_000 };

/**
 * posts-service over gRPC: posts.v1.PostsService/ListPosts. The grpc instrumentation makes the
 * CLIENT span and injects `traceparent` (and `baggage`) into the call's metadata. The outbound
 * timeout is the call's deadline; failures answer as the HTTP client's do (httpErrorFromGrpc).
 *
 * A lost connection costs a new channel. grpc-js reconnects to the address it resolved before,
 * and when that host is gone (a stopped container, a rescheduled pod) the connect hangs past the
 * deadline: a 504 where HTTP answers 502 at once, since axios looks the name up again for each new
 * connection. A fresh channel resolves the name again, so both transports answer alike.
 */
export class PostsGrpcClient implements PostsClient {
  private readonly PostsService = loadPostsService();
  private client: PostsServiceClient;
  /** A call completed on this channel while it was connected: falling back to IDLE then means the connection was lost. */
  private connected = false;

  private readonly address: string;
  private readonly timeoutMs: number;

  constructor(address: string, timeoutMs: number) {
    this.address = address;
    this.timeoutMs = timeoutMs;
    this.client = this.newClient();
  }

  listPosts(userId: number): Promise<Post[]> {
    const client = this.currentClient();
    return new Promise((resolve, reject) => {
      client.ListPosts({ userId }, { deadline: Date.now() + this.timeoutMs }, (error, response) => {
        if (client.getChannel().getConnectivityState(false) === connectivityState.READY) this.connected = true;
        if (error) reject(httpErrorFromGrpc(error, 'posts-service', this.timeoutMs));
        else resolve(response?.posts ?? []);
      });
    });
  }

  close(): void {
    this.client.close();
  }

  /**
   * The channel, replaced when its connection is lost (IDLE after it was connected) or it is
   * waiting out a reconnect backoff (TRANSIENT_FAILURE): the new one resolves the name again and
   * connects at once, as the HTTP client's next connection would.
   */
  private currentClient(): PostsServiceClient {
    const state = this.client.getChannel().getConnectivityState(false);
    if (state === connectivityState.TRANSIENT_FAILURE || (state === connectivityState.IDLE && this.connected)) {
      this.client.close();
      this.client = this.newClient();
      this.connected = false;
    }
    return this.client;
  }

  private newClient(): PostsServiceClient {
    return new this.PostsService(this.address, credentials.createInsecure(), CHANNEL_OPTIONS);
  }
}
