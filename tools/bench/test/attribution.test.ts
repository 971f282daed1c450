import { type CpuProfile, foldByFunction, foldByOwner, ownerOfFrame } from '../src/attribution';

const frame = (functionName: string, url: string) => ({ functionName, url });
const pkg = (path: string) => `file:///repo/node_modules/.pnpm/x@1.0.0/node_modules/${path}`;

describe('ownerOfFrame', () => {
  test.each([
    [frame('emit', pkg('@opentelemetry/instrumentation-http/build/src/http.js')), 'instrumentation-http'],
    [frame('export', pkg('@opentelemetry/exporter-trace-otlp-grpc/build/src/index.js')), 'OTLP exporters, grpc-js, protobufjs, HTTP/2'],
    [frame('write', pkg('@grpc/grpc-js/build/src/call.js')), 'OTLP exporters, grpc-js, protobufjs, HTTP/2'],
    [frame('onStreamRead', 'node:internal/http2/core'), 'OTLP exporters, grpc-js, protobufjs, HTTP/2'],
    [frame('handle', pkg('router/lib/layer.js')), 'express'],
    [frame('request', pkg('axios/dist/node/axios.cjs')), 'axios'],
    [frame('write', pkg('sonic-boom/index.js')), 'pino'],
    [frame('run', 'node:internal/async_local_storage/async_context_frame'), 'context propagation (AsyncLocalStorage)'],
    [frame('handler', 'file:///repo/services/frontend/dist/app.js'), "the app's own code (services/, service-kit, contracts)"],
    [frame('startTelemetry', 'file:///repo/packages/telemetry/dist/sdk.js'), 'the bootstrap (packages/telemetry)'],
    [frame('serve', 'file:///repo/packages/telemetry/dist/http-instrumentation.js'), "the bootstrap's http instrumentation"],
    [frame('leftPad', pkg('left-pad/index.js')), 'other packages'],
    [frame('(garbage collector)', ''), 'garbage collection'],
    [frame('(program)', ''), 'V8 and native code, no JavaScript on the stack'],
  ])('%j -> %s', (callFrame, owner) => {
    expect(ownerOfFrame(callFrame)).toBe(owner);
  });

  test("Node's own frames and V8 builtins have no owner of their own: they count for their caller", () => {
    expect(ownerOfFrame(frame('writeGeneric', 'node:internal/stream_base_commons'))).toBeUndefined();
    expect(ownerOfFrame(frame('parse', ''))).toBeUndefined();
  });
});

describe('foldByOwner', () => {
  // (root) -> instrumentation-http -> JSON.parse (a builtin) ; (root) -> node core socket read ; (root) -> (idle)
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', ''), children: [2, 4, 5] },
      { id: 2, callFrame: frame('emit', pkg('@opentelemetry/instrumentation-http/build/src/http.js')), children: [3] },
      { id: 3, callFrame: frame('parse', '') },
      { id: 4, callFrame: frame('onStreamRead', 'node:internal/stream_base_commons') },
      { id: 5, callFrame: frame('(idle)', '') },
    ],
    startTime: 1_000,
    endTime: 2_000,
    samples: [2, 3, 3, 4, 5, 5, 2],
    timeDeltas: [100, 100, 100, 100, 100, 100, 100],
  };

  test('shares out the busy samples by owner: a builtin counts for its caller, idle counts for nobody', () => {
    expect(foldByOwner(profile)).toEqual({
      'instrumentation-http': 4 / 5,
      'Node core with no package above it (sockets, HTTP parsing, timers)': 1 / 5,
    });
  });

  test('only the samples inside the window count', () => {
    // Samples land at 1100, 1200, ..., 1700: the window [1150, 1450] holds the 2nd to 4th.
    expect(foldByOwner(profile, 1_150, 1_450)).toEqual({
      'instrumentation-http': 2 / 3,
      'Node core with no package above it (sockets, HTTP parsing, timers)': 1 / 3,
    });
  });

  test('by function: a builtin counts for the function that called it, with its file and line', () => {
    expect(foldByFunction(profile)).toEqual({
      'instrumentation-http: emit (build/src/http.js:0)': 4 / 5,
      'Node core with no package above it (sockets, HTTP parsing, timers): (no caller in a package)': 1 / 5,
    });
  });
});

describe("an outgoing request's own work, under the http instrumentation's wrapper", () => {
  // (root) -> axios -> instrumentation-http's wrapper -> AsyncLocalStorage's run -> http.request ->
  // ClientRequest, and beside it the wrapper's own url.parse. Call frames as node --cpu-prof names them.
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', ''), children: [2] },
      { id: 2, callFrame: frame('dispatchHttpRequest', pkg('axios/dist/node/axios.cjs')), children: [3] },
      { id: 3, callFrame: frame('outgoingRequest', pkg('@opentelemetry/instrumentation-http/dist/http.cjs')), children: [4, 7] },
      { id: 4, callFrame: frame('run', 'node:internal/async_local_storage/async_context_frame'), children: [5] },
      { id: 5, callFrame: frame('request', 'node:http'), children: [6] },
      { id: 6, callFrame: frame('ClientRequest', 'node:_http_client') },
      { id: 7, callFrame: frame('urlParse', 'node:url') },
    ],
    startTime: 0,
    endTime: 400,
    samples: [6, 6, 7, 3],
    timeDeltas: [100, 100, 100, 100],
  };

  test('counts for the caller outside OpenTelemetry, as it would untraced; what the wrapper calls for itself stays its own', () => {
    expect(foldByOwner(profile)).toEqual({ axios: 2 / 4, 'instrumentation-http': 2 / 4 });
  });
});
