/**
 * The conformance matrix (matrix.ts), cell by cell, in real processes: the fixture app in each
 * module system, preloading the bootstrap as the row's start line says, calls the real
 * posts-service with each client, and the trace is read back from the real Jaeger, through the
 * real Collector. Each row also starts with no self-check warning: a correct start is silent.
 */
import { randomBytes } from 'node:crypto';
import { Stack } from '@demo/stack';
import { describe as describeSpans, waitForTrace } from '../jaeger';
import { selfCheckLines, startFixture } from './fixture';
import { CLIENTS, expectedShape, MODULE_SYSTEMS } from './matrix';

let stack: Stack;

beforeAll(async () => {
  for (const system of MODULE_SYSTEMS) await system.make?.();
  stack = await Stack.start({ ports: 'free', without: ['frontend', 'users-service'] });
});

afterAll(async () => {
  await stack?.stop();
});

describe.each(MODULE_SYSTEMS)('$name', (system) => {
  let fixture: Awaited<ReturnType<typeof startFixture>>;

  beforeAll(async () => {
    fixture = await startFixture(system, stack.ports);
  });

  afterAll(async () => {
    await fixture?.app.stop();
  });

  test.each(CLIENTS)(
    '$name: a SERVER span with its route, a CLIENT span under it, and the next hop’s SERVER span under that',
    async (client) => {
      // The caller's own parent, so that the trace id is known and incoming propagation is checked too.
      const traceId = randomBytes(16).toString('hex');
      const parentId = randomBytes(8).toString('hex');
      const response = await fetch(`${fixture.url}/hop/${client.name.toLowerCase()}/1`, {
        headers: { traceparent: `00-${traceId}-${parentId}-01` },
      });
      expect({ status: response.status, body: await response.json() }).toEqual({ status: 200, body: { posts: expect.any(Number) } });

      const shape = expectedShape(client);
      // posts-service adds its own inner spans (validate_post_permissions, fetch_posts_from_db).
      const { spans } = await waitForTrace(stack.jaegerUrl, traceId, shape.length + 2);
      const found = shape.map((expected) =>
        spans.find((span) => span.service === expected.service && span.name === expected.name && span.kind === expected.kind),
      );
      expect({ found: found.map((span) => span?.name ?? null), spans: describeSpans(spans) }).toEqual({
        found: shape.map((expected) => expected.name),
        spans: expect.any(String),
      });
      shape.forEach((expected, index) => {
        const parentId_ = expected.parentIndex === null ? parentId : found[expected.parentIndex]?.spanId;
        expect({ span: expected.name, parent: found[index]?.parentSpanId }).toEqual({ span: expected.name, parent: parentId_ });
      });
      expect(found[0]?.attributes['http.route']).toBe('/hop/:client/:userId');
    },
  );

  test('a correct start prints no self-check warning', async () => {
    // The check runs once, 1.5 s after start (SELF_CHECK_DELAY_MS); the requests above came later.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(selfCheckLines(fixture.app.logs)).toEqual([]);
  });
});
