/**
 * The path users take first, taken as they take it: `docker compose up --build --wait`, then
 * requests to the published ports. The same trace contract and README tour as the no-Docker
 * suites (contract-suite.ts, readme-tour.ts), then what only compose has: healthchecks, the
 * containers' security posture, a stopped container, and a shutdown that loses no span.
 *
 * In CI this suite needs Docker and fails without it; elsewhere, with no engine, it is reported
 * as not run (skipped), with the reason.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { PIPELINE_NAMES, REPO_ROOT, readEnvFile, SERVICE_NAMES } from '@demo/stack';
import { traceIdOf } from '../contract-matcher';
import { describeGrpcFaultContracts, describeTraceContracts, expectPostsServiceDownContract } from '../contract-suite';
import { getTrace, waitForTrace } from '../jaeger';
import { countDelivered, report as reportAs, runLoad } from '../load';
import { waitForTraceLogs } from '../log-store';
import { eventually } from '../prometheus';
import { describeReadmeTour } from '../readme-tour';
import { FAILURE_CONTRACTS, LIST_POSTS_SPAN, LOG_CONTRACTS, TRACE_CONTRACTS, withViewEvents } from '../trace-contracts';
import { ComposeProject, type ContainerInspect, dockerUnavailableReason, volumeNames } from './compose-project';

const dotenv = readEnvFile(join(REPO_ROOT, '.env'));
const OUTBOUND_TIMEOUT_MS = Number(dotenv.OUTBOUND_TIMEOUT_MS);
const report = (name: string, figures: Record<string, unknown>) => reportAs(name, figures, 'compose report');
/** Compose names its services as the no-Docker runner names its processes; the broker is on here. */
const LONG_RUNNING: string[] = [...SERVICE_NAMES, 'rabbitmq', ...PIPELINE_NAMES];
/** A served list's whole trace here: the request's spans, then its view event's. */
const WHOLE_TRACE = withViewEvents(TRACE_CONTRACTS.userWithPosts).spans.length;

const unavailable = dockerUnavailableReason();
if (unavailable) process.stdout.write(`compose suite not run: ${unavailable}\n`);

(unavailable ? describe.skip : describe)('docker compose up --build --wait', () => {
  let project: ComposeProject;
  let volumesBefore: Set<string>;
  let wentDown = false;
  /** A trace stored by the replicas test, read again after Jaeger restarts. */
  let persistedTraceId: string;
  const suiteStarted = Date.now();
  const target = () => ({
    frontendUrl: project.frontendUrl,
    jaegerUrl: project.jaegerUrl,
    environment: 'docker-compose',
    viewEvents: true,
  });

  beforeAll(async () => {
    volumesBefore = await volumeNames();
    project = await ComposeProject.create();
    const up = await project.compose(['up', '--build', '--wait', '--wait-timeout', '180'], 20 * 60_000);
    if (up.code !== 0) throw new Error(`docker compose up failed (${up.code}):\n${up.stderr.slice(-4000)}\n${await project.logs()}`);
    report('up --build --wait', {
      healthyAfterS: (up.ms / 1000).toFixed(1),
      ports: project.ports,
      envFiles: ComposeProject.envFiles(),
    });
  }, 21 * 60_000);

  afterAll(async () => {
    if (project && !wentDown) await project.compose(['down', '--volumes', '--remove-orphans']);
    report('suite', { wallTimeS: ((Date.now() - suiteStarted) / 1000).toFixed(1) });
  }, 120_000);

  test('every healthcheck turns healthy, and the one-shot volume preparer exits 0', async () => {
    const containers = await project.containers();
    const states = Object.fromEntries(
      containers.map((c) => [c.Service, c.Service === 'init-volumes' ? `${c.State} ${c.ExitCode}` : c.Health]),
    );
    expect(states).toEqual({ ...Object.fromEntries(LONG_RUNNING.map((name) => [name, 'healthy'])), 'init-volumes': 'exited 0' });
  });

  test("the first request's log records reach VictoriaLogs through the Collector, from the three services", async () => {
    const contract = LOG_CONTRACTS.userWithPosts;
    const response = await fetch(`${project.frontendUrl}${contract.path}`);
    expect(response.status).toBe(contract.responseStatus);
    const traceId = traceIdOf(response.headers.get('traceresponse'));
    const started = Date.now();
    const records = await waitForTraceLogs(project.logStoreUrl, traceId, contract.records.length, { timeoutMs: 30_000 });
    report('first request in the log store', { traceId, records: records.length, visibleAfterMs: Date.now() - started });
    const seen = (list: { service: string; severityText: string; body: string }[]) =>
      list.map((r) => `${r.service} ${r.severityText} ${r.body}`).sort();
    expect(seen(records)).toEqual(seen(contract.records));
    for (const record of records) expect(record.fields['deployment.environment.name']).toBe('docker-compose');
  });

  describeTraceContracts(target);
  describeGrpcFaultContracts(target);

  describeReadmeTour(() => ({ ...target(), outboundTimeoutMs: OUTBOUND_TIMEOUT_MS }));

  describe('security posture, read from docker inspect', () => {
    let containers: Map<string, ContainerInspect>;
    beforeAll(async () => {
      containers = await project.inspect();
    });

    test.each(LONG_RUNNING)('%s: read-only root, no capabilities, no new privileges, not root, a memory limit', (name) => {
      const container = containers.get(name) as ContainerInspect;
      expect({
        readOnlyRoot: container.HostConfig.ReadonlyRootfs,
        capDrop: container.HostConfig.CapDrop,
        noNewPrivileges: container.HostConfig.SecurityOpt?.includes('no-new-privileges:true'),
        runsAsRoot: ['', 'root', '0'].includes(container.Config.User.split(':')[0] as string),
        memoryLimited: container.HostConfig.Memory > 0,
      }).toEqual({ readOnlyRoot: true, capDrop: ['ALL'], noNewPrivileges: true, runsAsRoot: false, memoryLimited: true });
    });

    test('users-service, posts-service and the broker publish no port; every published port is on 127.0.0.1', () => {
      const bindings = [...containers].flatMap(([name, c]) =>
        Object.values(c.HostConfig.PortBindings ?? {}).flatMap((list) => (list ?? []).map((b) => ({ name, hostIp: b.HostIp }))),
      );
      expect(bindings.filter((b) => ['users-service', 'posts-service', 'rabbitmq'].includes(b.name))).toEqual([]);
      expect(new Set(bindings.map((b) => b.name))).toEqual(
        new Set(['frontend', 'jaeger', 'otel-collector', 'prometheus', 'victoria-logs']),
      );
      expect(bindings.filter((b) => b.hostIp !== '127.0.0.1')).toEqual([]);
    });

    test('the backend network is internal: no route out', async () => {
      expect(await project.networkIsInternal('backend')).toBe(true);
      expect(await project.networkIsInternal('edge')).toBe(false);
    });
  });

  test('the page is served at /, with its bundle, and the spans it posts reach Jaeger through the frontend', async () => {
    const page = await fetch(`${project.frontendUrl}/`);
    expect(page.status).toBe(200);
    // The suite publishes on free ports: the page links to Jaeger's, on localhost.
    expect(await page.text()).toContain(`<meta name="jaeger-ui-url" content="http://localhost:${new URL(project.jaegerUrl).port}">`);
    expect((await fetch(`${project.frontendUrl}/assets/app.js`)).status).toBe(200);
    const traceId = randomBytes(16).toString('hex');
    const exported = await fetch(`${project.frontendUrl}/otlp/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(browserExport(traceId)),
    });
    expect(exported.status).toBe(200);
    const { spans } = await waitForTrace(project.jaegerUrl, traceId, 1);
    expect(spans.map((span) => [span.service, span.name])).toEqual([['frontend-web', 'load_user_posts']]);
  });

  test('--scale users-service=3: requests reach several replicas, each naming itself, and every trace is whole', async () => {
    await project.composeOrThrow(['up', '--wait', '--scale', 'users-service=3', 'users-service'], 180_000);
    const replicas = (await project.containers()).filter((c) => c.Service === 'users-service' && c.Health === 'healthy');
    expect(replicas).toHaveLength(3);
    // Sixty in a second, several in flight at once: over one keep-alive connection every request
    // would go to the one replica that DNS named first.
    const outcomes = await runLoad(project.frontendUrl, { ratePerSec: 60, durationMs: 1_000, path: (i) => `/api/users/${(i % 20) + 1}` });
    const traceIds = outcomes.filter((o) => o.status === 200).map((o) => o.traceId as string);
    const spansPerTrace = WHOLE_TRACE;
    const delivered = await countDelivered(project.jaegerUrl, traceIds, spansPerTrace, 30_000);
    const instances = new Set<unknown>();
    for (const traceId of traceIds) {
      for (const span of await getTrace(project.jaegerUrl, traceId)) {
        if (span.service === 'users-service' && span.kind === 'SERVER') instances.add(span.resource['service.instance.id']);
      }
    }
    report('scaled users-service', { requests: outcomes.length, ok: traceIds.length, instances: instances.size, ...delivered });
    expect(traceIds).toHaveLength(60);
    expect(delivered).toEqual({ expected: 60 * spansPerTrace, found: 60 * spansPerTrace, incompleteTraces: 0 });
    expect(instances.size).toBeGreaterThanOrEqual(2);
    expect([...instances].every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    persistedTraceId = traceIds[0] as string;
  });

  test('docker compose restart jaeger: the traces stored before are still there (Badger, in the jaeger-data volume)', async () => {
    await project.composeOrThrow(['restart', 'jaeger'], 120_000);
    await project.composeOrThrow(['up', '--wait', 'jaeger'], 120_000);
    expect(await getTrace(project.jaegerUrl, persistedTraceId)).toHaveLength(WHOLE_TRACE);
  });

  test('docker compose restart rabbitmq: requests answer meanwhile, and their events are recorded once it is back', async () => {
    const restarted = project.composeOrThrow(['restart', 'rabbitmq'], 120_000);
    const outcomes = await runLoad(project.frontendUrl, { ratePerSec: 10, durationMs: 8_000, path: (i) => `/api/users/${(i % 20) + 1}` });
    await restarted;
    await project.composeOrThrow(['up', '--wait', 'rabbitmq'], 120_000);
    const traceIds = outcomes.filter((o) => o.status === 200).map((o) => o.traceId as string);
    const delivered = await countDelivered(project.jaegerUrl, traceIds, WHOLE_TRACE, 60_000);
    const statuses: Record<string, number> = {};
    for (const { status } of outcomes) statuses[status] = (statuses[status] ?? 0) + 1;
    report('rabbitmq restarted', { requests: outcomes.length, ok: traceIds.length, statuses, ...delivered });
    // posts-service rode the outage out: the same container, never restarted by Docker (a crash once was).
    const posts = (await project.inspect()).get('posts-service') as ContainerInspect & { RestartCount: number };
    expect(posts.RestartCount).toBe(0);
    expect(traceIds).toHaveLength(outcomes.length);
    expect(delivered).toEqual({ expected: traceIds.length * WHOLE_TRACE, found: traceIds.length * WHOLE_TRACE, incompleteTraces: 0 });
  });

  test('docker compose --profile load up: the load generator turns healthy, and its traffic reaches posts-service over both transports, with a fault, and its view events', async () => {
    const startUs = Date.now() * 1000;
    const up = await project.composeOrThrow(['--profile', 'load', 'up', '--build', '--wait', 'load-generator'], 10 * 60_000);
    try {
      // Only the generator sends now: posts-service's traces since it started are its own.
      const operations = ['GET /posts', LIST_POSTS_SPAN, 'injected_fault', 'record_post_views'];
      const seen = await eventually(
        () => Promise.all(operations.map((operation) => tracesSince(project.jaegerUrl, 'posts-service', operation, startUs))),
        (counts) => counts.every((count) => count > 0),
        60_000,
        "posts-service's operations from the load generator",
      );
      report('load profile', {
        upS: (up.ms / 1000).toFixed(1),
        tracesByOperation: Object.fromEntries(operations.map((op, i) => [op, seen[i]])),
      });
    } finally {
      await project.composeOrThrow(['--profile', 'load', 'stop', 'load-generator']);
    }
    const generator = (await project.inspect()).get('load-generator') as ContainerInspect & { State: { ExitCode: number } };
    expect(generator.State.ExitCode).toBe(0);
    await project.composeOrThrow(['--profile', 'load', 'rm', '--force', 'load-generator']);
  });

  test('docker compose stop posts-service: the frontend answers a clear 502 within the timeout, over HTTP and gRPC', async () => {
    // The worst case for gRPC: channels connected just before, holding an address that is about to vanish.
    await runLoad(project.frontendUrl, { ratePerSec: 20, durationMs: 1_000, path: () => '/api/users/1?transport=grpc' });
    await project.composeOrThrow(['stop', 'posts-service']);
    try {
      const overHttp = await expectPostsServiceDownContract(target(), OUTBOUND_TIMEOUT_MS);
      const overGrpc = await expectPostsServiceDownContract(target(), OUTBOUND_TIMEOUT_MS, FAILURE_CONTRACTS.postsServiceDownOverGrpc);
      report('posts-service stopped', { answeredIn502AfterMs: { http: overHttp.elapsedMs, grpc: overGrpc.elapsedMs } });
    } finally {
      await project.composeOrThrow(['start', '--wait', 'posts-service'], 120_000);
    }
  });

  test('nothing is lost: a burst, then the services and the Collector stopped (Jaeger last), and every trace is complete', async () => {
    // The requests' own spans: an event still queued when posts-service stops waits in the broker for its next start.
    const spansPerTrace = TRACE_CONTRACTS.userWithPosts.spans.length;
    const outcomes = await runLoad(project.frontendUrl, { ratePerSec: 100, durationMs: 2_000, path: (i) => `/api/users/${(i % 20) + 1}` });
    const traceIds = outcomes.filter((o) => o.status === 200).map((o) => o.traceId as string);
    // In dependency order, as `docker compose down` would: the services flush their last spans to
    // the Collector as they stop, and the Collector drains its queue into Jaeger as it stops.
    await project.composeOrThrow(['stop', 'frontend', 'users-service', 'posts-service']);
    await project.composeOrThrow(['stop', 'otel-collector']);
    const delivered = await countDelivered(project.jaegerUrl, traceIds, spansPerTrace, 15_000);
    report('burst, then stop', { requests: outcomes.length, ok: traceIds.length, ...delivered });
    expect(traceIds).toHaveLength(outcomes.length);
    expect(delivered).toEqual({ expected: traceIds.length * spansPerTrace, found: traceIds.length * spansPerTrace, incompleteTraces: 0 });
  });

  test('docker compose down --volumes leaves no container, network or volume behind', async () => {
    const down = await project.composeOrThrow(['down', '--volumes', '--remove-orphans']);
    wentDown = true;
    const newVolumes = [...(await volumeNames())].filter((name) => !volumesBefore.has(name));
    const left = [...(await project.leftovers()), ...newVolumes.map((name) => `volume ${name}`)];
    report('down --volumes', { downS: (down.ms / 1000).toFixed(1), leftBehind: left.length });
    expect(left).toEqual([]);
  });
});

/** How many traces of `service` with `operation` Jaeger holds that started after `startUs`. */
async function tracesSince(jaegerUrl: string, service: string, operation: string, startUs: number): Promise<number> {
  const query = new URLSearchParams({ service, operation, start: String(startUs), end: String(Date.now() * 1000), limit: '100' });
  const response = await fetch(`${jaegerUrl}/api/traces?${query}`);
  return response.ok ? ((await response.json()) as { data: unknown[] }).data.length : 0;
}

/** One span as the page's OTLP exporter sends it (JSON), with no service.name: the proxy fills it in. */
function browserExport(traceId: string) {
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  const span = {
    traceId,
    spanId: randomBytes(8).toString('hex'),
    name: 'load_user_posts',
    kind: 1,
    startTimeUnixNano: String(nowNs - 5_000_000n),
    endTimeUnixNano: String(nowNs),
  };
  return { resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'frontend-web' }, spans: [span] }] }] };
}
