/** The bootstrap's documented switches, on the real topology. */
import { Stack } from '@demo/stack';
import { traceIdOf } from './contract-matcher';
import { waitForTrace } from './jaeger';
import { TRACE_CONTRACTS } from './trace-contracts';

describe('TRACE_EXPRESS_LAYERS=true', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await Stack.start({ ports: 'free', serviceEnv: { TRACE_EXPRESS_LAYERS: 'true' } });
  });
  afterAll(() => stack?.stop());

  test("adds Express's middleware and handler spans under the same trace", async () => {
    const response = await fetch(`${stack.frontendUrl}/api/users/abc`);
    expect(response.status).toBe(400);
    const minimal = TRACE_CONTRACTS.malformedId.spans.length;
    const { spans } = await waitForTrace(stack.jaegerUrl, traceIdOf(response.headers.get('traceresponse')), minimal + 1);
    const layerSpans = spans.filter((span) => span.attributes['express.type'] !== undefined);
    expect(layerSpans.map((span) => span.attributes['express.type'])).toEqual(expect.arrayContaining(['middleware', 'request_handler']));
    expect(spans.filter((span) => span.kind === 'SERVER').map((span) => span.name)).toEqual(['GET /api/users/:id']);
  });
});
