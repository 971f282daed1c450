import { join } from 'node:path';
import { log, readBoolEnv, readIntEnv, readStringEnv, shutdownOnSignals } from '@demo/service-kit';
import { buildApp } from './app';
import { BROWSER_SERVICE_NAME } from './browser-telemetry';
import { UsersClient } from './users-client';

const port = readIntEnv('PORT', 3000, process.env, { min: 1, max: 65535 });
const host = readStringEnv('HOST', '0.0.0.0');
const users = new UsersClient(readStringEnv('USERS_SERVICE_URL', 'http://localhost:3001'), readIntEnv('OUTBOUND_TIMEOUT_MS', 2000));
const jaegerUiUrl = readStringEnv('JAEGER_UI_URL', 'http://localhost:16686').replace(/\/+$/, '');
const forwardUrl = readStringEnv('BROWSER_TRACES_FORWARD_URL', 'http://localhost:4318/v1/traces');

const app = buildApp(users, {
  jaegerUiUrl,
  faultInjection: readBoolEnv('FAULT_INJECTION_ENABLED'),
  page: { publicDir: join(__dirname, 'public') },
  browserTraces: { forwardUrl, serviceName: BROWSER_SERVICE_NAME },
});
const server = app.listen(port, host, () => {
  log('info', 'frontend listening', { host, port, page: `http://localhost:${port}/`, try: `curl -i http://localhost:${port}/api/users/1` });
});
shutdownOnSignals(server);
