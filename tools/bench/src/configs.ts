import { PROJECT_BOOTSTRAP } from '@demo/stack';

export type ConfigName = 'off' | 'stock' | 'project' | 'project, gRPC hop' | 'head 10%' | 'head 1%';

export interface BenchConfig {
  name: ConfigName;
  description: string;
  /** What the services preload with --require; null for nothing. */
  preload: string | null;
  env: Record<string, string>;
  /** The request every load sends to the frontend (default PATH, /api/users/1). */
  path?: string;
}

/** The configurations compared, each the same three services. */
export function benchConfigs(): BenchConfig[] {
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
    { name: 'project', description: 'the project bootstrap, @demo/telemetry/register', preload: PROJECT_BOOTSTRAP, env: {} },
    {
      name: 'project, gRPC hop',
      description: 'the project bootstrap, users-service -> posts-service over gRPC (?transport=grpc) instead of axios',
      preload: PROJECT_BOOTSTRAP,
      env: {},
      path: '/api/users/1?transport=grpc',
    },
    headSampled('head 10%', 0.1),
    headSampled('head 1%', 0.01),
  ];
}

/** The project bootstrap with head sampling: the root service keeps `ratio` of the traces, the others follow its decision. */
function headSampled(name: ConfigName, ratio: number): BenchConfig {
  return {
    name,
    description: `the project bootstrap, OTEL_TRACES_SAMPLER=parentbased_traceidratio, OTEL_TRACES_SAMPLER_ARG=${ratio}`,
    preload: PROJECT_BOOTSTRAP,
    env: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: String(ratio) },
  };
}

/** For every configuration unless it says otherwise: all spans sampled, and no simulated database latency (pure CPU cost). */
export const COMMON_ENV = { OTEL_TRACES_SAMPLER: 'always_on', DATABASE_LATENCY_MS: '0' };
