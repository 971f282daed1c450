import { join } from 'node:path';
import type { CallOptions, Client, GrpcObject, Metadata, ServiceClientConstructor, ServiceError } from '@grpc/grpc-js';
import { loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

/** The .proto both ends load; shipped in this package (package.json "files"), so images carry it. */
export const POSTS_PROTO_PATH = join(__dirname, '..', 'proto', 'posts', 'v1', 'posts.proto');

/** The fully qualified service name: what `rpc.service` reads on both spans. */
export const POSTS_SERVICE_NAME = 'posts.v1.PostsService';

/** ListPostsRequest as proto-loader hands it over: camelCase fields, an unset field undefined. */
export interface ListPostsRequest {
  userId?: number;
  viewerId?: number;
}

export interface WirePost {
  id: number;
  userId: number;
  title: string;
  body: string;
  visibility: string;
  createdAt: string;
}

export interface ListPostsResponse {
  posts: WirePost[];
}

/** A posts.v1.PostsService client, as the constructor loadPostsService() returns makes it. */
export type PostsServiceClient = Client & {
  ListPosts(request: ListPostsRequest, options: CallOptions, callback: ListPostsCallback): void;
  ListPosts(request: ListPostsRequest, metadata: Metadata, options: CallOptions, callback: ListPostsCallback): void;
};
type ListPostsCallback = (error: ServiceError | null, response?: ListPostsResponse) => void;

export interface PostsServiceConstructor {
  new (...args: ConstructorParameters<ServiceClientConstructor>): PostsServiceClient;
  service: ServiceClientConstructor['service'];
}

/**
 * Loads posts.v1 from the .proto. `defaults: false` keeps an unset field undefined, so the server
 * can tell "no viewer" from viewer 0; `longs`/`enums` stay plain since the messages use neither.
 */
export function loadPostsService(): PostsServiceConstructor {
  const definition = loadSync(POSTS_PROTO_PATH, { keepCase: false, defaults: false, oneofs: true });
  const posts = (loadPackageDefinition(definition).posts as GrpcObject).v1 as GrpcObject;
  return posts.PostsService as unknown as PostsServiceConstructor;
}
