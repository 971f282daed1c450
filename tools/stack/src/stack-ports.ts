import type { BrokerPorts } from './components/rabbitmq';
import { requireKey } from './env-file';
import { freePort, isPortFree } from './ports';

export interface GatewayPorts {
  otlpGrpc: number;
  health: number;
  metrics: number;
}

export interface StackPorts {
  frontend: number;
  usersService: number;
  postsService: number;
  postsServiceGrpc: number;
  collectorOtlpGrpc: number;
  collectorOtlpHttp: number;
  collectorHealth: number;
  collectorMetrics: number;
  jaegerUi: number;
  jaegerGrpcQuery: number;
  jaegerOtlpGrpc: number;
  jaegerOtlpHttp: number;
  jaegerHealth: number;
  jaegerMetrics: number;
  prometheus: number;
  victoriaLogs: number;
  /** The two-tier pipeline's gateways; empty with one tier. */
  gateways: GatewayPorts[];
  /** The message broker's, when the stack runs one. */
  broker?: BrokerPorts;
}

type SinglePorts = Omit<StackPorts, 'gateways' | 'broker'>;

/** The .env ports, as the demo uses them; gateway N (from 0) on each LOCAL_GATEWAY_* port plus N. */
export function portsFromEnv(env: Record<string, string>, gatewayCount: number, withBroker = false): StackPorts {
  const port = (key: string) => Number(requireKey(env, key));
  const gateway = (index: number): GatewayPorts => ({
    otlpGrpc: port('LOCAL_GATEWAY_OTLP_GRPC_PORT') + index,
    health: port('LOCAL_GATEWAY_HEALTH_PORT') + index,
    metrics: port('LOCAL_GATEWAY_METRICS_PORT') + index,
  });
  return {
    frontend: port('FRONTEND_PORT'),
    usersService: port('USERS_SERVICE_PORT'),
    postsService: port('POSTS_SERVICE_PORT'),
    postsServiceGrpc: port('POSTS_SERVICE_GRPC_PORT'),
    collectorOtlpGrpc: port('COLLECTOR_OTLP_GRPC_PORT'),
    collectorOtlpHttp: port('COLLECTOR_OTLP_HTTP_PORT'),
    collectorHealth: port('COLLECTOR_HEALTH_PORT'),
    collectorMetrics: port('COLLECTOR_METRICS_PORT'),
    jaegerUi: port('JAEGER_UI_PORT'),
    jaegerGrpcQuery: port('LOCAL_JAEGER_GRPC_QUERY_PORT'),
    jaegerOtlpGrpc: port('LOCAL_JAEGER_OTLP_GRPC_PORT'),
    jaegerOtlpHttp: port('LOCAL_JAEGER_OTLP_HTTP_PORT'),
    jaegerHealth: port('LOCAL_JAEGER_HEALTH_PORT'),
    jaegerMetrics: port('LOCAL_JAEGER_METRICS_PORT'),
    prometheus: port('PROMETHEUS_PORT'),
    victoriaLogs: port('VICTORIA_LOGS_PORT'),
    gateways: Array.from({ length: gatewayCount }, (_, index) => gateway(index)),
    ...(withBroker && {
      broker: {
        amqp: port('RABBITMQ_PORT'),
        metrics: port('RABBITMQ_METRICS_PORT'),
        distribution: port('LOCAL_RABBITMQ_DIST_PORT'),
        epmd: port('LOCAL_RABBITMQ_EPMD_PORT'),
      },
    }),
  };
}

/** The same ports as .env names, each replaced by a different free one. */
export async function freePorts(env: Record<string, string>, gatewayCount: number, withBroker = false): Promise<StackPorts> {
  const taken = new Set<number>();
  const next = async () => {
    const port = await freePort(taken);
    taken.add(port);
    return port;
  };
  const { gateways, broker, ...single } = portsFromEnv(env, gatewayCount, withBroker);
  const ports = { gateways: [] } as unknown as StackPorts;
  for (const key of Object.keys(single) as (keyof SinglePorts)[]) ports[key] = await next();
  for (const _ of gateways) ports.gateways.push({ otlpGrpc: await next(), health: await next(), metrics: await next() });
  if (broker) ports.broker = { amqp: await next(), metrics: await next(), distribution: await next(), epmd: await next() };
  return ports;
}

/** Fails before anything starts, naming the .env port that something else already holds. */
export async function assertPortsFree(ports: StackPorts): Promise<void> {
  const { gateways, broker, ...single } = ports;
  const named = [
    ...Object.entries(single),
    ...gateways.flatMap((gateway, i) => Object.entries(gateway).map(([key, port]): [string, number] => [`gateway ${i + 1} ${key}`, port])),
    ...Object.entries(broker ?? {}).map(([key, port]): [string, number] => [`broker ${key}`, port]),
  ];
  const busy: string[] = [];
  for (const [name, port] of named) {
    if (!(await isPortFree(port))) busy.push(`${port} (${name})`);
  }
  if (busy.length > 0) throw new Error(`ports already in use: ${busy.join(', ')}. Stop what holds them, or change them in .env.`);
}
