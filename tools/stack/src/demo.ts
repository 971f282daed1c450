/**
 * `pnpm demo`: the whole topology as local processes, on the ports in .env, until Ctrl-C. The
 * terminal shows what is up, what to try, and one line per request; every process's whole
 * output goes to its file in .cache/demo-logs/. Traces, metrics, logs and the Collector's queue are
 * kept in .cache/data/, so they outlive a restart.
 *
 * RabbitMQ runs too when it is installed (tools/rabbitmq.sh), and posts-service then publishes
 * and records its posts.viewed events.
 *
 *   pnpm demo --two-tier   the agent Collector in front of two tail-sampling gateways
 *   pnpm demo --wipe       delete .cache/data/ first (yesterday's traces, metrics and logs)
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ensureBinaries } from './binaries';
import { rabbitmqInstalled } from './components/rabbitmq';
import { demoLine, uiLines } from './demo-output';
import { DEMO_SERVICE_ENV, REPO_ROOT, Stack } from './stack';

const FLAGS = ['--two-tier', '--wipe'] as const;
let stopping = false;

function parseFlags(args: string[]): Set<string> {
  const unknown = args.filter((arg) => !(FLAGS as readonly string[]).includes(arg));
  if (unknown.length > 0) throw new Error(`pnpm demo: unknown ${unknown.join(' ')}; it takes ${FLAGS.join(', ')}`);
  return new Set(args);
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const twoTier = flags.has('--two-tier');
  const dataDir = join(REPO_ROOT, '.cache/data');
  if (flags.has('--wipe')) rmSync(dataDir, { recursive: true, force: true });
  // First, and once: the installer prints where each binary came from (release or Go build).
  const binaries = ensureBinaries(REPO_ROOT);
  const broker = rabbitmqInstalled();
  console.log(
    `Starting ${broker ? 'RabbitMQ, ' : ''}Prometheus, Jaeger, VictoriaLogs, ${twoTier ? 'two tiers of OpenTelemetry Collectors' : 'the OpenTelemetry Collector'} and the three services (no Docker)...`,
  );
  if (!broker) console.log('  (no RabbitMQ here, so no posts.viewed events: sudo tools/rabbitmq.sh installs it)');
  const logDir = join(REPO_ROOT, '.cache/demo-logs');
  rmSync(logDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  const stack = await Stack.start({
    ports: 'env',
    pipeline: twoTier ? 'two-tier' : 'one-tier',
    dataDir,
    // Once stopping, the parts' goodbyes (Prometheus warns that it got a signal) are noise.
    echo: (name, line) => (stopping ? null : demoLine(name, line)),
    logDir,
    serviceEnv: DEMO_SERVICE_ENV,
    binaries,
    broker,
  });
  const {
    frontend,
    usersService,
    postsService,
    postsServiceGrpc,
    jaegerUi,
    collectorOtlpGrpc,
    collectorOtlpHttp,
    prometheus,
    victoriaLogs,
  } = stack.ports;
  console.log(`
  Up:
    page            http://localhost:${frontend}   (open it in a browser: each click is one trace, from the browser down)
    frontend        http://localhost:${frontend}/api/users/1   (calls users-service :${usersService}, which calls posts-service :${postsService}, or :${postsServiceGrpc} over gRPC)
    Collector       OTLP localhost:${collectorOtlpGrpc} (gRPC), localhost:${collectorOtlpHttp} (HTTP)${gatewayLine(stack)}
${uiLines(binaries.sources, { jaegerUi, prometheus })}
    Logs            http://localhost:${victoriaLogs}/select/vmui/   (VictoriaLogs' UI; query a trace's records with trace_id:<id>)${brokerLine(stack)}

  Try:
    curl -i localhost:${frontend}/api/users/1                                    the whole waterfall
    curl -i 'localhost:${frontend}/api/users/1?fault=posts-service:delay=800ms'  a slow dependency
    curl -i 'localhost:${frontend}/api/users/1?fault=posts-service:error=503'    an error deep down
    curl -i 'localhost:${frontend}/api/users/1?transport=grpc'                   the last hop over gRPC: the context in metadata${
      broker
        ? `\n    curl -i 'localhost:${frontend}/api/users/1?fault=view-recorder:error=500'   the view event fails 3 attempts, then is dead-lettered`
        : ''
    }
  Then: pnpm trace --last   (the latest trace's waterfall with each span's log lines, a click on the page's included)

  Steady traffic for the Monitor tab and the log store: pnpm load (in another terminal)
  Traces, metrics, logs and queues: ${relative(process.cwd(), dataDir)}/ (kept across restarts; pnpm demo --wipe starts afresh)
  Below: one line per request. Every process's full output: ${relative(process.cwd(), logDir) || '.'}/<name>.log
  Ctrl-C stops everything.
`);
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

function brokerLine(stack: Stack): string {
  if (!stack.ports.broker) return '';
  return `\n    Broker          amqp://localhost:${stack.ports.broker.amqp}   (RabbitMQ: posts.viewed, its consumer in posts-service; dead letters in posts.viewed.dead)`;
}

function gatewayLine(stack: Stack): string {
  if (stack.ports.gateways.length === 0) return '';
  const addresses = stack.ports.gateways.map((gateway) => `localhost:${gateway.otlpGrpc}`).join(', ');
  return `, the agent tier\n    Gateways        ${addresses}: tail sampling (two-tier/gateway.yaml), then Jaeger`;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
