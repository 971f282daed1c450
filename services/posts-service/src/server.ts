import { once } from 'node:events';
import { bindGrpcServer, log, readBoolEnv, readIntEnv, readStringEnv, shutdownOnSignals, stopGrpcServer } from '@demo/service-kit';
import { buildApp } from './app';
import { PostsDatabase } from './database';
import { createGrpcServer } from './grpc-server';

const port = readIntEnv('PORT', 3002, process.env, { min: 1, max: 65535 });
const grpcPort = readIntEnv('GRPC_PORT', 50051, process.env, { min: 1, max: 65535 });
const host = readStringEnv('HOST', '0.0.0.0');
const faultInjection = readBoolEnv('FAULT_INJECTION_ENABLED');
const database = PostsDatabase.open(readStringEnv('DATABASE_PATH', ':memory:'), {
  latencyMs: readIntEnv('DATABASE_LATENCY_MS', 0, process.env, { min: 0, max: 10_000 }),
});

const grpc = createGrpcServer(database, { faultInjection });
const server = buildApp(database, { faultInjection, otherTransportsReady: grpc.isServing }).listen(port, host);
// Serving (gRPC health SERVING, /readyz 200) once both transports listen, so either probe means both.
Promise.all([once(server, 'listening'), bindGrpcServer(grpc.server, host, grpcPort)]).then(
  () => {
    grpc.setServing(true);
    log('info', 'posts-service listening', { host, port, grpcPort });
  },
  (error: unknown) => {
    log('error', 'posts-service cannot listen', { host, port, grpcPort, error: String(error) });
    process.exit(1);
  },
);
shutdownOnSignals(server, {
  alsoStop: () => {
    grpc.setServing(false);
    return stopGrpcServer(grpc.server, 5_000);
  },
  onClosed: () => database.close(),
});
