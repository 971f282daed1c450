/**
 * Day two on Kubernetes: the chart on a real node (real-cluster.ts), two replicas of each service,
 * every trace kept (ci/day-two-values.yaml), and steady load through the frontend's Service on
 * both transports while each event below happens in turn. Each event prints what it cost
 * (`[day-two report]`): requests sent, answered 2xx and failed; spans expected from the answered
 * requests and found in Jaeger; traces whole, partial or missing. docs/kubernetes.md keeps the table.
 * It runs in CI and where asked (REAL_CLUSTER=1): real-cluster.ts says why.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { userWithPostsContract, userWithPostsOverGrpcContract, withViewEvents } from '../trace-contracts';
import {
  costOf,
  deletePods,
  drainAndUncordon,
  type EventCost,
  everyReplicaExporting,
  type LoadPlan,
  rolloutRestart,
  scale,
  type Workload,
} from './day-two';
import { CHART_DIR, defaultPodsByComponent } from './helm';
import { REAL_CLUSTER_ENABLED, type RealCluster, startRealCluster } from './real-cluster';

jest.setTimeout(900_000);

/** The services' replicas, as the values file sets them. */
const VALUES = parse(readFileSync(join(CHART_DIR, 'ci', 'day-two-values.yaml'), 'utf8')).replicas;
const REPLICAS = { frontend: VALUES.frontend, 'users-service': VALUES.usersService, 'posts-service': VALUES.postsService };
const COMPONENTS = { ...defaultPodsByComponent(1), ...REPLICAS };
const POD_COUNT = Object.values(COMPONENTS).reduce((sum, count) => sum + count, 0);
/** The spans of a whole trace: the request's waterfall, then its view event through the broker. */
const TRACES = [
  { path: '/api/users/1?transport=http', spans: withViewEvents(userWithPostsContract(1)).spans.length },
  { path: '/api/users/1?transport=grpc', spans: withViewEvents(userWithPostsOverGrpcContract(1)).spans.length },
];
const RATE_PER_SEC = 20;

let real: RealCluster;
let plan: LoadPlan;
const describeWhereEnabled = REAL_CLUSTER_ENABLED ? describe : describe.skip;

/** Each container's restarts, as last seen: read after every event, since a rollout replaces the pods that count them. */
const restartsSeen = new Map<string, { restarts: number; reason?: string }>();

async function noteRestarts(): Promise<void> {
  for (const pod of await real.listPods()) {
    for (const container of pod.status.containerStatuses ?? []) {
      if (container.restartCount > 0)
        restartsSeen.set(pod.metadata.name, { restarts: container.restartCount, reason: container.lastState?.terminated?.reason });
    }
  }
}

async function report(cost: EventCost): Promise<EventCost> {
  process.stdout.write(`[day-two report] ${JSON.stringify(cost)}\n`);
  await noteRestarts();
  return cost;
}

const restart = (workload: Workload) => () => rolloutRestart(real.cluster, workload);

describeWhereEnabled('day two on a real node: rollouts, restarts and scaling under steady load, every request and span counted', () => {
  beforeAll(async () => {
    real = await startRealCluster({
      valuesFile: 'day-two-values.yaml',
      overrides: ['--set', 'demo.faultInjection=true'],
      components: COMPONENTS,
    });
    plan = {
      frontendUrl: real.frontendUrl,
      jaegerUrl: real.jaegerUrl,
      ratePerSec: RATE_PER_SEC,
      marginS: 5,
      request: (i) => TRACES[i % TRACES.length] as { path: string; spans: number },
      tracesWithinMs: 60_000,
    };
    const exportingAfterS = await everyReplicaExporting(plan, 120_000);
    process.stdout.write(
      `[day-two report] ${JSON.stringify({ pods: POD_COUNT, readyAfterS: real.readyAfterS, pipelineReadyAfterS: real.pipelineReadyAfterS, everyReplicaExportingAfterS: exportingAfterS })}\n`,
    );
  });

  afterAll(async () => {
    await real?.stop();
  });

  test.each(Object.entries(REPLICAS))('a rollout restart of %s (%i replicas) fails no request and loses no span', async (service) => {
    const cost = await report(await costOf(`${service} rolled`, plan, restart({ kind: 'Deployment', name: service })));
    expect(cost.requests.sent).toBeGreaterThan(RATE_PER_SEC * 10);
    expect(cost.requests.failed).toBe(0);
    expect(cost.spans.found).toBe(cost.spans.expected);
  });

  test('the agent restarted on the node loses no span: the services ride out the gap', async () => {
    const cost = await report(await costOf('agents restarted', plan, restart({ kind: 'DaemonSet', name: 'otel-collector' })));
    expect(cost.requests.failed).toBe(0);
    expect(cost.spans.found).toBe(cost.spans.expected);
  });

  test("the agent's pod deleted, the node without an agent until its replacement is Ready: the services keep their spans and send them then", async () => {
    const cost = await report(
      await costOf('agent pod deleted', plan, () => deletePods(real.cluster, { kind: 'DaemonSet', name: 'otel-collector' })),
    );
    expect(cost.requests.failed).toBe(0);
    expect(cost.spans.found).toBe(cost.spans.expected);
  });

  test('the gateways scaled 2 -> 3 -> 2: no request fails; the traces the ring moved are counted', async () => {
    const cost = await report(
      await costOf('gateways scaled 2 -> 3 -> 2', plan, async () => {
        await scale(real.cluster, 'otel-gateway', 3);
        await scale(real.cluster, 'otel-gateway', 2);
      }),
    );
    expect(cost.requests.failed).toBe(0);
    expect(cost.traces.whole + cost.traces.partial + cost.traces.missing).toBe(cost.requests.ok);
  });

  test('the gateways rolled: no request fails; the traces the ring moved are counted', async () => {
    const cost = await report(await costOf('gateways rolled', plan, restart({ kind: 'Deployment', name: 'otel-gateway' })));
    expect(cost.requests.failed).toBe(0);
    expect(cost.traces.whole + cost.traces.partial + cost.traces.missing).toBe(cost.requests.ok);
  });

  test('Jaeger restarted on its volume: every trace whole, the gateways holding spans until it is back', async () => {
    const cost = await report(await costOf('jaeger restarted', plan, restart({ kind: 'Deployment', name: 'jaeger' })));
    expect(cost.requests.failed).toBe(0);
    expect(cost.traces).toEqual({ whole: cost.requests.ok, partial: 0, missing: 0 });
  });

  test('through all of that no container restarted: no crash, no OOM kill', async () => {
    await noteRestarts();
    expect(Object.fromEntries(restartsSeen)).toEqual({});
  });

  test('the node drained (as far as one node allows) and uncordoned: the budgets keep a replica of each service serving', async () => {
    let kept: string[] = [];
    const cost = await costOf('node drained and uncordoned', plan, async () => {
      kept = (await drainAndUncordon(real.cluster, 20_000, POD_COUNT)).keptByBudget;
    });
    await report({ ...cost, keptByBudget: kept } as EventCost);
    const keptComponents = kept.map((pod) => pod.replace(/-[a-z0-9]+-[a-z0-9]+$/, '')).sort();
    expect(keptComponents).toEqual(['frontend', 'otel-gateway', 'posts-service', 'users-service']);
    expect(cost.requests.failed).toBe(0);
  });
});
