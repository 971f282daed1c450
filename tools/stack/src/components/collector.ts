import { join } from 'node:path';
import type { ProcessSpec } from '../process';
import { inheritedEnv, REPO_ROOT } from '../repo';
import type { GatewayPorts, StackPorts } from '../stack-ports';

/**
 * The Collector the services export to. One tier: otel-collector-config.yaml as compose runs it.
 * Two tiers: the same file with two-tier/agent.yaml merged over it, so that its traces go to the
 * gateways, found by the static resolver (compose finds them by DNS instead).
 */
export function collectorSpec(binary: string, ports: StackPorts, queueDir: string, extraEnv: Record<string, string> = {}): ProcessSpec {
  const configs = [
    'otel-collector-config.yaml',
    ...(ports.gateways.length > 0 ? ['two-tier/agent.yaml', 'two-tier/gateways-static.yaml'] : []),
  ];
  return {
    name: 'otel-collector',
    command: binary,
    args: configs.flatMap((file) => ['--config', join(REPO_ROOT, file)]),
    cwd: REPO_ROOT,
    env: {
      ...inheritedEnv(),
      COLLECTOR_OTLP_GRPC_ENDPOINT: `127.0.0.1:${ports.collectorOtlpGrpc}`,
      COLLECTOR_OTLP_HTTP_ENDPOINT: `127.0.0.1:${ports.collectorOtlpHttp}`,
      COLLECTOR_HEALTH_ENDPOINT: `127.0.0.1:${ports.collectorHealth}`,
      COLLECTOR_METRICS_HOST: '127.0.0.1',
      COLLECTOR_METRICS_PORT: String(ports.collectorMetrics),
      COLLECTOR_QUEUE_DIRECTORY: queueDir,
      COLLECTOR_GATEWAYS: `[${ports.gateways.map((gateway) => `127.0.0.1:${gateway.otlpGrpc}`).join(', ')}]`,
      PROMETHEUS_REMOTE_WRITE_URL: `http://127.0.0.1:${ports.prometheus}/api/v1/write`,
      JAEGER_OTLP_GRPC_ENDPOINT: `127.0.0.1:${ports.jaegerOtlpGrpc}`,
      ...extraEnv,
    },
  };
}

export const gatewayName = (index: number) => `otel-gateway-${index + 1}`;

/** One tail-sampling gateway of the two-tier pipeline (two-tier/gateway.yaml); its queue in `queueParentDir`/<name>. */
export function gatewaySpec(
  binary: string,
  index: number,
  ports: GatewayPorts,
  jaegerOtlpGrpc: number,
  queueParentDir: string,
  extraEnv: Record<string, string> = {},
): ProcessSpec {
  const name = gatewayName(index);
  return {
    name,
    command: binary,
    args: ['--config', join(REPO_ROOT, 'two-tier/gateway.yaml')],
    cwd: REPO_ROOT,
    env: {
      ...inheritedEnv(),
      // The config keeps each gateway's queue in a folder named after its host, as compose's replicas do.
      HOSTNAME: name,
      COLLECTOR_QUEUE_DIRECTORY: queueParentDir,
      COLLECTOR_OTLP_GRPC_ENDPOINT: `127.0.0.1:${ports.otlpGrpc}`,
      COLLECTOR_HEALTH_ENDPOINT: `127.0.0.1:${ports.health}`,
      COLLECTOR_METRICS_HOST: '127.0.0.1',
      COLLECTOR_METRICS_PORT: String(ports.metrics),
      JAEGER_OTLP_GRPC_ENDPOINT: `127.0.0.1:${jaegerOtlpGrpc}`,
      ...extraEnv,
    },
  };
}
