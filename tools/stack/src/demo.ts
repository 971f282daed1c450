/**
 * `pnpm demo`: the whole topology as local processes, on the ports in .env, until Ctrl-C.
 */
import { Stack } from './stack';

async function main(): Promise<void> {
  console.log('Starting Prometheus, Jaeger, the OpenTelemetry Collector and the three services (no Docker)...');
  // One line per log record the Collector receives (the tests and compose print them in full).
  const stack = await Stack.start({ ports: 'env', echo: true, collectorEnv: { COLLECTOR_LOGS_VERBOSITY: 'normal' } });
  const { frontend, jaegerUi, collectorOtlpGrpc, prometheus } = stack.ports;
  console.log(`
  Ready.
    Try it:        curl -i http://localhost:${frontend}/api/users/1
    Jaeger API:    http://localhost:${jaegerUi}/api/traces?service=frontend&limit=5
    One trace:     http://localhost:${jaegerUi}/api/traces/<trace-id from the traceresponse header>
    Its waterfall: pnpm trace --last   (or: pnpm trace <trace-id>)
    Dependencies:  http://localhost:${jaegerUi}/api/dependencies?endTs=$(date +%s000)&lookback=3600000
    Metrics:       http://localhost:${prometheus}/api/v1/query?query=traces_span_metrics_calls_total
    Jaeger UI:     http://localhost:${jaegerUi}  (a placeholder page in this mode; the full UI comes with docker compose)
    OTLP/gRPC in:  localhost:${collectorOtlpGrpc}
  Ctrl-C stops everything.
`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping...');
    const codes = await stack.stop();
    console.log(
      'Stopped:',
      Object.entries(codes)
        .map(([name, code]) => `${name}=${code}`)
        .join(' '),
    );
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  for (const [name, child] of stack.processes) {
    child.exited.then((code) => {
      if (!stopping) console.error(`[${name}] exited unexpectedly with code ${code}`);
    });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
