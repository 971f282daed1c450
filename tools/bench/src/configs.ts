import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_BOOTSTRAP, REPO_ROOT, readEnvFile, type StackOptions, serviceNodeOptions } from '@demo/stack';
import { build } from 'esbuild';

export interface BenchConfig {
  name: string;
  description: string;
  /** What the services preload with --require; null for nothing. */
  preload: string | null;
  env: Record<string, string>;
  /** The request every load sends to the frontend (default PATH, /api/users/1). */
  path?: string;
  /** The pipeline variants: extra environment for the Collector, and for Jaeger. */
  collectorEnv?: Record<string, string>;
  jaegerEnv?: Record<string, string>;
  /** Another start line for a service than its package.json's. */
  startFor?: StackOptions['startFor'];
  /** Makes what the configuration runs, once, before the benchmark starts. */
  prepare?: () => Promise<void>;
  /** Also run RabbitMQ: posts-service then publishes posts.viewed on each request and records it (docs/messaging.md). */
  broker?: boolean;
}

/** The configurations `pnpm bench` compares by default, each the same three services. */
export const DEFAULT_CONFIGS = [
  'off',
  'stock',
  'project',
  'project, users-service CommonJS',
  'project, gRPC hop',
  'head 10%',
  'project, queue in memory',
  'project, Jaeger in memory',
] as const;

/** Every configuration --config can name: the defaults, and the levers tried against `project` (docs/performance.md). */
export function allConfigs(): BenchConfig[] {
  // The stock preload: a dependency of the bench only, since the project's bootstrap does not use it.
  const stockRegister = require.resolve('@opentelemetry/auto-instrumentations-node/register');
  return [
    { name: 'off', description: 'no preload', preload: null, env: {} },
    {
      name: 'stock',
      description: '--require @opentelemetry/auto-instrumentations-node/register, configured by environment only',
      preload: stockRegister,
      env: { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' },
    },
    project('project', 'the project bootstrap, @demo/telemetry/register (the Collector queue on disk, Jaeger on Badger)', {}),
    {
      ...project(
        'project, users-service CommonJS',
        'the project, users-service as CommonJS with --require (the same code, its ES-module build turned into CommonJS file by file) instead of an ES module with --import',
        {},
      ),
      startFor: { 'users-service': { preloadFlag: '--require', entry: 'dist-cjs/server.js' } },
      prepare: commonJsUsersService,
    },
    {
      ...project(
        'project, gRPC hop',
        'the project bootstrap, users-service -> posts-service over gRPC (?transport=grpc) instead of axios',
        {},
      ),
      path: '/api/users/1?transport=grpc',
    },
    project('head 10%', 'the project bootstrap, OTEL_TRACES_SAMPLER=parentbased_traceidratio, OTEL_TRACES_SAMPLER_ARG=0.1', {
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.1',
    }),
    {
      ...project('project, queue in memory', 'the project, the Collector sending queues in memory (COLLECTOR_QUEUE_STORAGE=null)', {}),
      collectorEnv: { COLLECTOR_QUEUE_STORAGE: 'null' },
    },
    {
      ...project('project, Jaeger in memory', 'the project, Jaeger storing traces in memory (JAEGER_TRACE_STORAGE=in_memory)', {}),
      jaegerEnv: { JAEGER_TRACE_STORAGE: 'in_memory' },
    },
    {
      ...project(
        'project, view events',
        'the project, with RabbitMQ: posts-service publishes posts.viewed on each request (confirmed), and its own consumer records it (record_post_views)',
        {},
      ),
      broker: true,
    },
    ...levers().map(([name, description, env]) => project(name, description, env)),
    {
      ...project(
        'pipeline lever: no gzip to Jaeger',
        'the project, the Collector sending to Jaeger uncompressed (COLLECTOR_JAEGER_COMPRESSION=none)',
        {},
      ),
      collectorEnv: { COLLECTOR_JAEGER_COMPRESSION: 'none' },
    },
  ];
}

/**
 * Levers on the services' cost, each the project with one change: `pnpm bench --config off --config project --config '<lever>'`.
 * Those that turn a signal off are not candidates (every span, log record and metric is exported):
 * they measure the most a cheaper path for that signal could save.
 */
function levers(): [string, string, Record<string, string>][] {
  // A lever that sets NODE_OPTIONS replaces the services' own: it starts from the heap flags of .env.
  const dotenv = readEnvFile(join(REPO_ROOT, '.env'));
  return [
    // An A/A control: the same as project. How far apart the two land is this machine's noise.
    ['control: project again', 'the project, unchanged: the noise floor of any A/B in the same run', {}],
    [
      'lever: OTLP/gRPC',
      'the project, OTEL_EXPORTER_OTLP_PROTOCOL=grpc (the default until 2026-12-07, when http/protobuf measured cheaper)',
      { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
    ],
    [
      'lever: all resource attributes',
      'the project, OTEL_NODE_RESOURCE_DETECTORS=all (process.* and os.* too: the SDK default, and the default until 2026-12-03)',
      { OTEL_NODE_RESOURCE_DETECTORS: 'all' },
    ],
    ['lever: logs off', 'the project, OTEL_LOGS_EXPORTER=none (the most a cheaper log path could save)', { OTEL_LOGS_EXPORTER: 'none' }],
    ['lever: metrics off', 'the project, OTEL_METRICS_EXPORTER=none (the most metric views could save)', { OTEL_METRICS_EXPORTER: 'none' }],
    [
      'lever: HTTP histograms on',
      'the project with TELEMETRY_HTTP_METRICS=true: the http and undici duration histograms recorded beside the spans (as until 2026-12-07)',
      { TELEMETRY_HTTP_METRICS: 'true' },
    ],
    [
      'lever: express off',
      'the project without the express instrumentation (no http.route, so the server spans are named GET alone: the most a cheaper way to name them could save)',
      { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'express' },
    ],
    [
      'lever: http off',
      'the project without the http instrumentation (no SERVER or CLIENT spans for HTTP, and no context across the hops: the most a cheaper HTTP path could save)',
      { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'http' },
    ],
    [
      'lever: no emitter binding',
      'the project, with context.bind() leaving event emitters alone (no-emitter-binding.ts; listeners on a request lose its context): what binding each request and response costs',
      { NODE_OPTIONS: `${serviceNodeOptions(dotenv)} --require ${require.resolve('./no-emitter-binding')}` },
    ],
    [
      'lever: pino off',
      'the project without the pino instrumentation (no trace ids on log lines and no log records: the most a cheaper log bridge could save)',
      { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pino' },
    ],
    [
      'lever: 5 s batches',
      'the project, OTEL_BSP_SCHEDULE_DELAY and OTEL_BLRP_SCHEDULE_DELAY 5000 ms (the SDK defaults) instead of 500 and 1000',
      { OTEL_BSP_SCHEDULE_DELAY: '5000', OTEL_BLRP_SCHEDULE_DELAY: '5000' },
    ],
    [
      'lever: 4 MB young generation',
      'the project, --max-semi-space-size=4 (SERVICE_SEMI_SPACE_MB until 2026-12-07) instead of 16',
      { NODE_OPTIONS: serviceNodeOptions(dotenv, '4') },
    ],
  ];
}

function project(name: string, description: string, env: Record<string, string>): BenchConfig {
  return { name, description, preload: PROJECT_BOOTSTRAP, env };
}

/** The configurations named (by --config, one each), or the defaults; an unknown name is an error that lists the known ones. */
export function selectConfigs(names: readonly string[]): BenchConfig[] {
  const wanted = names.length > 0 ? names : DEFAULT_CONFIGS;
  if (!wanted.includes('off')) throw new Error('--config: every run needs "off", the baseline the others are compared with');
  return wanted.map(selectConfig);
}

/** One configuration by its name; an unknown name is an error that lists the known ones. */
export function selectConfig(name: string): BenchConfig {
  const all = allConfigs();
  const config = all.find((c) => c.name === name);
  if (!config) throw new Error(`unknown configuration "${name}"; known: ${all.map((c) => c.name).join(' | ')}`);
  return config;
}

/** For every configuration unless it says otherwise: all spans sampled, and no simulated database latency (pure CPU cost). */
export const COMMON_ENV = { OTEL_TRACES_SAMPLER: 'always_on', DATABASE_LATENCY_MS: '0' };

/**
 * users-service's build (an ES module) turned into CommonJS file by file, in dist-cjs/: the same
 * code, so that the ES-module start (--import, the loader hook) and the CommonJS one (--require)
 * of one service can be compared in one run.
 */
async function commonJsUsersService(): Promise<void> {
  const service = join(REPO_ROOT, 'services/users-service');
  const outdir = join(service, 'dist-cjs');
  await build({
    entryPoints: [join(service, 'dist/*.js')],
    outdir,
    format: 'cjs',
    platform: 'node',
    target: 'node26',
    logLevel: 'warning',
  });
  writeFileSync(join(outdir, 'package.json'), '{ "type": "commonjs" }\n');
}
