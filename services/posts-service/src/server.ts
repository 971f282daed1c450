import { log, readBoolEnv, readIntEnv, readStringEnv, shutdownOnSignals } from '@demo/service-kit';
import { buildApp } from './app';
import { PostsDatabase } from './database';

const port = readIntEnv('PORT', 3002, process.env, { min: 1, max: 65535 });
const host = readStringEnv('HOST', '0.0.0.0');
const database = PostsDatabase.open(readStringEnv('DATABASE_PATH', ':memory:'), {
  latencyMs: readIntEnv('DATABASE_LATENCY_MS', 0, process.env, { min: 0, max: 10_000 }),
});

const server = buildApp(database, { faultInjection: readBoolEnv('FAULT_INJECTION_ENABLED') }).listen(port, host, () => {
  log('info', 'posts-service listening', { host, port });
});
shutdownOnSignals(server, { onClosed: () => database.close() });
