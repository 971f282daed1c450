/**
 * The demo's promise, as tests that any way of running it must pass: a request to the frontend
 * leaves one trace in Jaeger holding exactly the contract's spans, and the API answers as the
 * README says. The no-Docker suite and the compose suite both call these, each with its own
 * running stack: one copy of the assertions, many runners.
 */
import { LOCAL_ENVIRONMENT, type Stack } from '@demo/stack';
import { contractViolations, traceIdOf } from './contract-matcher';
import { describe as describeSpans, waitForTrace } from './jaeger';
import {
  FAILURE_CONTRACTS,
  GRPC_FAULT_CONTRACTS,
  TRACE_CONTRACTS,
  type TraceContract,
  userWithPostsContract,
  withViewEvents,
} from './trace-contracts';

/** A running demo, as a test reaches it: by the frontend's and Jaeger's published addresses. */
export interface DemoTarget {
  frontendUrl: string;
  jaegerUrl: string;
  /** The deployment.environment.name its services report. */
  environment: string;
  /** Whether posts-service publishes posts.viewed there (a broker runs): traces then go on past the response. */
  viewEvents?: boolean;
}

/** The contract as it holds on `target`: with the view event's spans where a broker runs. */
export function contractOn(target: DemoTarget, contract: TraceContract): TraceContract {
  return target.viewEvents ? withViewEvents(contract) : contract;
}

/** A no-Docker stack as a target. */
export function localTarget(stack: Stack): DemoTarget {
  return { frontendUrl: stack.frontendUrl, jaegerUrl: stack.jaegerUrl, environment: LOCAL_ENVIRONMENT };
}

/** Sends the contract's request, then reads its trace back from Jaeger once it is complete. */
export async function requestAndReadTrace(target: DemoTarget, given: TraceContract) {
  const contract = contractOn(target, given);
  const started = Date.now();
  const response = await fetch(`${target.frontendUrl}${contract.path}`);
  const elapsedMs = Date.now() - started;
  const traceId = traceIdOf(response.headers.get('traceresponse'));
  const body = await response.json();
  const { spans, visibleAfterMs } = await waitForTrace(target.jaegerUrl, traceId, contract.spans.length);
  return { response, body, elapsedMs, traceId, spans, visibleAfterMs };
}

/** Asserts one request against its contract: the answer's status, and the stored trace. */
export async function expectContractKept(target: DemoTarget, given: TraceContract) {
  const contract = contractOn(target, given);
  const result = await requestAndReadTrace(target, contract);
  expect(result.response.status).toBe(contract.responseStatus);
  expect(result.spans.every((span) => span.traceId === result.traceId)).toBe(true);
  expect({ violations: contractViolations(contract, result.spans), spans: describeSpans(result.spans) }).toEqual({
    violations: [],
    spans: expect.any(String),
  });
  expect(result.visibleAfterMs).toBeLessThan(5_000);
  return result;
}

export function describeTraceContracts(target: () => DemoTarget): void {
  describe.each(Object.entries(TRACE_CONTRACTS))('contract %s', (_name, contract: TraceContract) => {
    test(`${contract.path} answers ${contract.responseStatus} and Jaeger holds exactly the contract's spans`, async () => {
      await expectContractKept(target(), contract);
    });
  });

  test('every service reports its resource: name, version, namespace and environment', async () => {
    const { spans } = await requestAndReadTrace(target(), TRACE_CONTRACTS.userWithPosts);
    const resources = Object.fromEntries(spans.map((span) => [span.service, span.resource]));
    for (const service of ['frontend', 'users-service', 'posts-service']) {
      expect(resources[service]).toMatchObject({
        'service.version': '1.0.0',
        'service.namespace': 'otel-node-tracing-demo',
        'deployment.environment.name': target().environment,
        'telemetry.sdk.language': 'nodejs',
      });
    }
  });

  test('the 200 answer is the user with their public posts only', async () => {
    const response = await fetch(`${target().frontendUrl}/api/users/1`);
    const body = (await response.json()) as { id: number; posts: { userId: number; visibility: string }[] };
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(body.id).toBe(1);
    expect(body.posts.length).toBeGreaterThan(0);
    expect(body.posts.every((post) => post.userId === 1 && post.visibility === 'public')).toBe(true);
  });

  test('error answers are JSON with a code and a message, never a stack trace', async () => {
    for (const [path, status, code] of [
      ['/api/users/abc', 400, 'invalid_id'],
      ['/api/users/999', 404, 'not_found'],
      ['/nowhere', 404, 'not_found'],
    ] as const) {
      const response = await fetch(`${target().frontendUrl}${path}`);
      const text = await response.text();
      expect([path, response.status]).toEqual([path, status]);
      expect(JSON.parse(text)).toEqual({ error: { code, message: expect.any(String) } });
      expect(text).not.toMatch(/at .*\.js:\d+/);
    }
  });

  test('many requests at once: every trace holds its own request spans and no other', async () => {
    const userIds = Array.from({ length: 20 }, (_, i) => i + 1);
    const traces = await Promise.all(
      userIds.map(async (userId) => {
        const response = await fetch(`${target().frontendUrl}/api/users/${userId}`);
        await response.arrayBuffer();
        return { userId, status: response.status, traceId: traceIdOf(response.headers.get('traceresponse')) };
      }),
    );
    expect(new Set(traces.map((t) => t.traceId)).size).toBe(userIds.length);
    for (const { userId, status, traceId } of traces) {
      expect(status).toBe(200);
      const contract = contractOn(target(), userWithPostsContract(userId));
      const { spans } = await waitForTrace(target().jaegerUrl, traceId, contract.spans.length, { settleMs: 0 });
      expect(contractViolations(contract, spans)).toEqual([]);
    }
  });
}

/** Faults over gRPC: for a target with FAULT_INJECTION_ENABLED=true. */
export function describeGrpcFaultContracts(target: () => DemoTarget): void {
  describe.each(Object.entries(GRPC_FAULT_CONTRACTS))('gRPC fault contract %s', (_name, contract: TraceContract) => {
    test(`${contract.path} answers ${contract.responseStatus} and Jaeger holds exactly the contract's spans`, async () => {
      await expectContractKept(target(), contract);
    });
  });
}

/**
 * posts-service is down (the caller stopped it): a clear 502 at the frontend, well within the
 * outbound timeout, and the failed call marked on users-service's CLIENT span; over HTTP by
 * default, or over gRPC with FAILURE_CONTRACTS.postsServiceDownOverGrpc.
 */
export async function expectPostsServiceDownContract(
  target: DemoTarget,
  outboundTimeoutMs: number,
  contract: TraceContract = FAILURE_CONTRACTS.postsServiceDown,
) {
  const { body, elapsedMs, spans } = await expectContractKept(target, contract);
  expect(body).toEqual({ error: { code: 'bad_gateway', message: expect.stringContaining('users-service') } });
  expect(elapsedMs).toBeLessThan(outboundTimeoutMs);
  return { elapsedMs, spans };
}
