export {
  type ListPostsRequest,
  type ListPostsResponse,
  loadPostsService,
  POSTS_PROTO_PATH,
  POSTS_SERVICE_NAME,
  type PostsServiceClient,
  type PostsServiceConstructor,
  type WirePost,
} from './posts';
