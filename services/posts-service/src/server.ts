import { once } from 'node:events';
import { bindGrpcServer, log, readBoolEnv, readIntEnv, readStringEnv, shutdownOnSignals, stopGrpcServer } from '@demo/service-kit';
import { buildApp } from './app';
import { PostsDatabase } from './database';
import { createGrpcServer } from './grpc-server';
import { observeViewEvents } from './metrics';
import type { ServedListener } from './posts';
import { ViewEventPublisher } from './view-events';
import { ViewRecorder } from './view-recorder';

const port = readIntEnv('PORT', 3002, process.env, { min: 1, max: 65535 });
const grpcPort = readIntEnv('GRPC_PORT', 50051, process.env, { min: 1, max: 65535 });
const host = readStringEnv('HOST', '0.0.0.0');
const faultInjection = readBoolEnv('FAULT_INJECTION_ENABLED');
const database = PostsDatabase.open(readStringEnv('DATABASE_PATH', ':memory:'), {
  latencyMs: readIntEnv('DATABASE_LATENCY_MS', 0, process.env, { min: 0, max: 10_000 }),
});

// The view events (posts.viewed), through the broker at AMQP_URL, and their consumer; none without it.
const amqpUrl = readStringEnv('AMQP_URL', '');
const publisher = amqpUrl ? new ViewEventPublisher(amqpUrl) : undefined;
// VIEW_EVENTS_BATCH_MS > 0 records the events of that window together, in a trace of their own.
const batchWindowMs = readIntEnv('VIEW_EVENTS_BATCH_MS', 0, process.env, { min: 0, max: 60_000 });
const recorder = amqpUrl ? new ViewRecorder(amqpUrl, database, { batchWindowMs, faultInjection }) : undefined;
if (amqpUrl) observeViewEvents({ publisher, recorder });
const onServed: ServedListener | undefined =
  publisher &&
  ((authorId, posts) => publisher.publish({ authorId, postIds: posts.map((post) => post.id), viewedAt: new Date().toISOString() }));
if (!amqpUrl) log('info', 'view events off: AMQP_URL is not set');
publisher?.start();
recorder?.start();

const grpc = createGrpcServer(database, { faultInjection, onServed });
const server = buildApp(database, { faultInjection, otherTransportsReady: grpc.isServing, onServed }).listen(port, host);
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
  onDrain: () => grpc.setServing(false),
  alsoStop: () => stopGrpcServer(grpc.server, 5_000),
  onClosed: async () => {
    await Promise.all([publisher?.stop(), recorder?.stop()]);
    database.close();
  },
});
