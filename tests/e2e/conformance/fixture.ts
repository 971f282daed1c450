/** Starting the matrix's fixture app, and reading the bootstrap's self-check from its output. */
import { freePort, ManagedProcess, type Stack, waitForHttpOk } from '@demo/stack';
import { BOOTSTRAP, FIXTURE_DIR, type ModuleSystem } from './matrix';

/** Starts the fixture as `system` says, pointed at the stack's posts-service and Collector. */
export async function startFixture(
  system: Pick<ModuleSystem, 'preloadFlag' | 'main'>,
  ports: Stack['ports'],
  env: Record<string, string> = {},
) {
  const port = await freePort();
  const app = new ManagedProcess(
    {
      name: 'conformance-app',
      command: process.execPath,
      args: [system.preloadFlag, BOOTSTRAP, system.main],
      cwd: FIXTURE_DIR,
      env: {
        PATH: process.env.PATH ?? '',
        PORT: String(port),
        OTEL_SERVICE_NAME: 'conformance-app',
        // The bootstrap's default protocol, OTLP/HTTP: the Collector's HTTP port.
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${ports.collectorOtlpHttp}`,
        OTEL_BSP_SCHEDULE_DELAY: '200',
        OTEL_METRICS_EXPORTER: 'none',
        POSTS_SERVICE_URL: `http://127.0.0.1:${ports.postsService}`,
        POSTS_SERVICE_GRPC_ADDRESS: `127.0.0.1:${ports.postsServiceGrpc}`,
        ...env,
      },
    },
    { echo: false },
  );
  await waitForHttpOk(`http://127.0.0.1:${port}/readyz`, 15_000, () => app.isRunning);
  return { app, url: `http://127.0.0.1:${port}` };
}

/** The self-check's lines in a process's output. */
export function selfCheckLines(logs: string): string[] {
  return logs.split('\n').filter((line) => line.includes('@demo/telemetry:') && line.includes('not instrumented'));
}
