import { log, readBoolEnv, readIntEnv, readStringEnv, shutdownOnSignals } from '@demo/service-kit';
import { buildApp } from './app.ts';
import { UsersDatabase } from './database.ts';
import { TransportChoosingPostsClient } from './posts-client.ts';
import { PostsGrpcClient } from './posts-grpc-client.ts';
import { PostsHttpClient } from './posts-http-client.ts';

const port = readIntEnv('PORT', 3001, process.env, { min: 1, max: 65535 });
const host = readStringEnv('HOST', '0.0.0.0');
const database = UsersDatabase.open(readStringEnv('DATABASE_PATH', ':memory:'), {
  latencyMs: readIntEnv('DATABASE_LATENCY_MS', 0, process.env, { min: 0, max: 10_000 }),
});
const timeoutMs = readIntEnv('OUTBOUND_TIMEOUT_MS', 2000);
const postsGrpc = new PostsGrpcClient(readStringEnv('POSTS_SERVICE_GRPC_ADDRESS', 'localhost:50051'), timeoutMs);
const posts = new TransportChoosingPostsClient({
  http: new PostsHttpClient(readStringEnv('POSTS_SERVICE_URL', 'http://localhost:3002'), timeoutMs),
  grpc: postsGrpc,
});

const server = buildApp(database, posts, {
  faultInjection: readBoolEnv('FAULT_INJECTION_ENABLED'),
  fetchInParallel: readBoolEnv('FIX_SEQUENTIAL_FETCH'),
}).listen(port, host, () => {
  log('info', 'users-service listening', { host, port });
});
shutdownOnSignals(server, {
  onClosed: () => {
    postsGrpc.close();
    database.close();
  },
});
