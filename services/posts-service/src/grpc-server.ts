import { type ListPostsRequest, type ListPostsResponse, loadPostsService, POSTS_SERVICE_NAME } from '@demo/contracts';
import { requestMetadataLimit, unaryHandler } from '@demo/service-kit';
import { Server } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { PostsDatabase } from './database';
import { listVisiblePosts, type ServedListener } from './posts';

export const LIST_POSTS_RPC = `/${POSTS_SERVICE_NAME}/ListPosts`;

/**
 * Metadata over this many bytes is refused with RESOURCE_EXHAUSTED before any handler sees it:
 * 16 KiB, Node's HTTP header limit, so that both transports take as much. The propagators then
 * bound what they read of what passes (W3C baggage: 8192 bytes, 180 entries).
 */
export const MAX_METADATA_BYTES = 16 * 1024;

/**
 * The gRPC adapter: posts.v1.PostsService/ListPosts on its own port, beside the Express app, and
 * the standard health service (grpc.health.v1) the container's healthcheck asks. The bootstrap's
 * grpc instrumentation makes the SERVER span and reads the trace context from the metadata.
 */
export function createGrpcServer(
  database: PostsDatabase,
  { faultInjection = false, onServed }: { faultInjection?: boolean; onServed?: ServedListener } = {},
) {
  const server = new Server({ interceptors: [requestMetadataLimit(MAX_METADATA_BYTES)] });
  server.addService(loadPostsService().service, {
    ListPosts: unaryHandler<ListPostsRequest, ListPostsResponse>(
      LIST_POSTS_RPC,
      { faults: { service: 'posts-service', enabled: faultInjection } },
      async (request) => ({ posts: await listVisiblePosts(database, asQuery(request), onServed) }),
    ),
  });
  const health = new HealthImplementation({ '': 'NOT_SERVING', [POSTS_SERVICE_NAME]: 'NOT_SERVING' });
  health.addToServer(server);
  let serving = false;
  const setServing = (now: boolean) => {
    serving = now;
    for (const service of ['', POSTS_SERVICE_NAME]) health.setStatus(service, now ? 'SERVING' : 'NOT_SERVING');
  };
  return { server, setServing, isServing: () => serving };
}

/**
 * The request as the HTTP route's query string would carry it, so that both go through the same
 * check: an unset user_id (0 on the wire) is then the same 400, here INVALID_ARGUMENT.
 */
function asQuery({ userId, viewerId }: ListPostsRequest): { userId: string; viewerId?: string } {
  return { userId: String(userId ?? ''), ...(viewerId !== undefined && { viewerId: String(viewerId) }) };
}
