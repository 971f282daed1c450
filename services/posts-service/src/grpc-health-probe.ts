/**
 * The container's healthcheck: asks posts-service's own gRPC health service (grpc.health.v1)
 * whether posts.v1.PostsService is SERVING, and exits 0 if so, 1 otherwise.
 *
 *   node dist/grpc-health-probe.js
 *
 * It runs without the telemetry bootstrap (no --require): a probe neither starts the SDK nor
 * makes a trace, and the server leaves Health calls untraced too (the bootstrap's ignore list).
 */
import { POSTS_SERVICE_NAME } from '@demo/contracts';
import { readIntEnv } from '@demo/service-kit';
import { credentials, makeClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

const PROBE_DEADLINE_MS = 2_000;
const port = readIntEnv('GRPC_PORT', 50051, process.env, { min: 1, max: 65535 });
const Health = makeClientConstructor(healthService, 'grpc.health.v1.Health');
const client = new Health(`127.0.0.1:${port}`, credentials.createInsecure()) as unknown as {
  Check(
    request: { service: string },
    options: { deadline: number },
    callback: (error: ServiceError | null, response?: { status?: string }) => void,
  ): void;
};

client.Check({ service: POSTS_SERVICE_NAME }, { deadline: Date.now() + PROBE_DEADLINE_MS }, (error, response) => {
  const status = error ? `error ${error.code}: ${error.details}` : response?.status;
  if (status !== 'SERVING') console.error(`posts-service gRPC health: ${status}`);
  process.exit(status === 'SERVING' ? 0 : 1);
});
