/**
 * The trace contract: which spans a request produces, with their services, names, kinds,
 * parents, status and key attributes. The end-to-end tests assert it against what Jaeger
 * stores; the README and docs/trace-contract.md show it as a waterfall (a test keeps them in step).
 */
export type SpanKindName = 'SERVER' | 'CLIENT' | 'INTERNAL' | 'PRODUCER' | 'CONSUMER';

export interface ExpectedSpan {
  /** A name for this span within the contract, used by `parent`. */
  ref: string;
  service: 'frontend-web' | 'frontend' | 'users-service' | 'posts-service';
  name: string;
  kind: SpanKindName;
  parent: string | null;
  /** By the HTTP conventions a 4xx leaves a SERVER span UNSET but marks a CLIENT span ERROR. */
  status: 'UNSET' | 'ERROR';
  attributes: Record<string, string | number | boolean>;
  /** Work that follows its parent rather than nests in it (a message's PRODUCER and CONSUMER): it may end after its parent. */
  follows?: true;
  /** The spans, in other traces, this one links to (a batch's CONSUMER: each message's PRODUCER). */
  linksTo?: string;
}

export interface TraceContract {
  description: string;
  path: string;
  responseStatus: number;
  spans: ExpectedSpan[];
}

const SELECT_USER = 'SELECT id, name, email FROM users WHERE id = ?';
const SELECT_PUBLIC_POSTS =
  'SELECT id, user_id AS userId, title, body, visibility, created_at AS createdAt FROM posts WHERE user_id = ? AND visibility IN (?) ORDER BY id';

const frontendServer = (status: number): ExpectedSpan => ({
  ref: 'frontend.server',
  service: 'frontend',
  name: 'GET /api/users/:id',
  kind: 'SERVER',
  parent: null,
  status: status >= 500 ? 'ERROR' : 'UNSET',
  attributes: { 'http.request.method': 'GET', 'http.route': '/api/users/:id', 'http.response.status_code': status },
});

const frontendClient = (status: number): ExpectedSpan => ({
  ref: 'frontend.client',
  service: 'frontend',
  name: 'GET',
  kind: 'CLIENT',
  parent: 'frontend.server',
  status: status >= 400 ? 'ERROR' : 'UNSET',
  attributes: { 'http.request.method': 'GET', 'http.response.status_code': status },
});

const usersServer = (status: number, userId: number): ExpectedSpan => ({
  ref: 'users.server',
  service: 'users-service',
  name: 'GET /users/:id',
  kind: 'SERVER',
  parent: 'frontend.client',
  status: status >= 500 ? 'ERROR' : 'UNSET',
  attributes: { 'http.route': '/users/:id', 'http.response.status_code': status, 'user.id': userId },
});

const fetchUser: ExpectedSpan = {
  ref: 'users.db',
  service: 'users-service',
  name: 'fetch_user_from_db',
  kind: 'INTERNAL',
  parent: 'users.server',
  status: 'UNSET',
  attributes: {
    'db.system.name': 'sqlite',
    'db.operation.name': 'SELECT',
    'db.collection.name': 'users',
    'db.query.text': SELECT_USER,
  },
};

const usersClient = (status: 'UNSET' | 'ERROR', attributes: ExpectedSpan['attributes']): ExpectedSpan => ({
  ref: 'users.client',
  service: 'users-service',
  name: 'GET',
  kind: 'CLIENT',
  parent: 'users.server',
  status,
  attributes: { 'http.request.method': 'GET', ...attributes },
});

/**
 * The users-service -> posts-service hop over gRPC (?transport=grpc): a CLIENT/SERVER pair named
 * by the grpc instrumentation `grpc.<service>/<method>`, with its rpc.* attributes. The
 * instrumentation marks every non-zero code ERROR on both sides; the RPC conventions would leave
 * a SERVER span UNSET for a code that is the caller's doing (NOT_FOUND, INVALID_ARGUMENT, ...).
 */
export const LIST_POSTS_SPAN = 'grpc.posts.v1.PostsService/ListPosts';
const rpcAttributes = (code: number) => ({
  'rpc.system': 'grpc',
  'rpc.service': 'posts.v1.PostsService',
  'rpc.method': 'ListPosts',
  'rpc.grpc.status_code': code,
});
/** The instrumentation's rule, on both sides: any code but OK (0) is an error. */
const grpcSpanStatus = (code: number): ExpectedSpan['status'] => (code === 0 ? 'UNSET' : 'ERROR');

const usersGrpcClient = (code: number): ExpectedSpan => ({
  ref: 'users.client',
  service: 'users-service',
  name: LIST_POSTS_SPAN,
  kind: 'CLIENT',
  parent: 'users.server',
  status: grpcSpanStatus(code),
  attributes: rpcAttributes(code),
});

const postsGrpcServer = (code: number): ExpectedSpan => ({
  ref: 'posts.server',
  service: 'posts-service',
  name: LIST_POSTS_SPAN,
  kind: 'SERVER',
  parent: 'users.client',
  status: grpcSpanStatus(code),
  attributes: rpcAttributes(code),
});

const injectedError = (status: number): ExpectedSpan => ({
  ref: 'posts.fault',
  service: 'posts-service',
  name: 'injected_fault',
  kind: 'INTERNAL',
  parent: 'posts.server',
  status: 'ERROR',
  attributes: { 'demo.fault.type': 'error', 'demo.fault.status': status },
});

/** What posts-service does inside its SERVER span, whichever transport brought the call. */
const postsInnerSpans: ExpectedSpan[] = [
  {
    ref: 'posts.permissions',
    service: 'posts-service',
    name: 'validate_post_permissions',
    kind: 'INTERNAL',
    parent: 'posts.server',
    status: 'UNSET',
    attributes: { 'posts.viewer.anonymous': true },
  },
  {
    ref: 'posts.db',
    service: 'posts-service',
    name: 'fetch_posts_from_db',
    kind: 'INTERNAL',
    parent: 'posts.server',
    status: 'UNSET',
    attributes: {
      'db.system.name': 'sqlite',
      'db.operation.name': 'SELECT',
      'db.collection.name': 'posts',
      'db.query.text': SELECT_PUBLIC_POSTS,
    },
  },
];

/** GET /api/users/<userId> for a known user: the whole waterfall across the three services. */
export function userWithPostsContract(userId: number): TraceContract {
  return {
    description: 'a known user: the whole waterfall across the three services',
    path: `/api/users/${userId}`,
    responseStatus: 200,
    spans: [
      frontendServer(200),
      frontendClient(200),
      usersServer(200, userId),
      fetchUser,
      usersClient('UNSET', { 'http.response.status_code': 200 }),
      {
        ref: 'posts.server',
        service: 'posts-service',
        name: 'GET /posts',
        kind: 'SERVER',
        parent: 'users.client',
        status: 'UNSET',
        attributes: { 'http.route': '/posts', 'http.response.status_code': 200 },
      },
      ...postsInnerSpans,
    ],
  };
}

/** The same request with users-service calling posts-service over gRPC: the inner spans hang under the gRPC SERVER span. */
export function userWithPostsOverGrpcContract(userId: number): TraceContract {
  return {
    description: 'a known user, posts over gRPC: the same waterfall, with a gRPC CLIENT/SERVER pair on the last hop',
    path: `/api/users/${userId}?transport=grpc`,
    responseStatus: 200,
    spans: [
      frontendServer(200),
      frontendClient(200),
      usersServer(200, userId),
      fetchUser,
      usersGrpcClient(0),
      postsGrpcServer(0),
      ...postsInnerSpans,
    ],
  };
}

export const TRACE_CONTRACTS = {
  userWithPosts: userWithPostsContract(1),
  unknownUser: {
    description: 'an unknown user: users-service answers 404 and posts-service is never called',
    path: '/api/users/999',
    responseStatus: 404,
    spans: [frontendServer(404), frontendClient(404), usersServer(404, 999), fetchUser],
  },
  userWithPostsOverGrpc: userWithPostsOverGrpcContract(1),
  unknownUserOverGrpc: {
    description: 'an unknown user, posts over gRPC: users-service answers 404 before any call, so no gRPC span at all',
    path: '/api/users/999?transport=grpc',
    responseStatus: 404,
    spans: [frontendServer(404), frontendClient(404), usersServer(404, 999), fetchUser],
  },
  malformedId: {
    description: 'a malformed id: the frontend answers 400 itself and calls nobody',
    path: '/api/users/abc',
    responseStatus: 400,
    spans: [frontendServer(400)],
  },
} satisfies Record<string, TraceContract>;

/**
 * A click on the demo page (services/frontend/web): the browser's span is the root, its fetch
 * carries traceparent, and the API request's whole contract hangs under that fetch.
 */
export function pageUserWithPostsContract(userId: number, api = userWithPostsContract(userId)): TraceContract {
  const [frontendServerSpan, ...downstream] = api.spans as [ExpectedSpan, ...ExpectedSpan[]];
  return {
    description: `a click on the page: the browser is the root of the whole waterfall (${api.description})`,
    path: api.path,
    responseStatus: 200,
    spans: [
      {
        ref: 'page.click',
        service: 'frontend-web',
        name: 'load_user_posts',
        kind: 'INTERNAL',
        parent: null,
        status: 'UNSET',
        attributes: { 'user.id': userId },
      },
      {
        ref: 'page.fetch',
        service: 'frontend-web',
        name: 'GET',
        kind: 'CLIENT',
        parent: 'page.click',
        status: 'UNSET',
        attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200 },
      },
      { ...frontendServerSpan, parent: 'page.fetch' },
      ...downstream,
    ],
  };
}

/** Contracts of a request that starts in the browser (tests/e2e/browser.test.ts). */
export const PAGE_CONTRACTS = {
  userWithPostsFromPage: pageUserWithPostsContract(1),
  userWithPostsOverGrpcFromPage: pageUserWithPostsContract(1, userWithPostsOverGrpcContract(1)),
} satisfies Record<string, TraceContract>;

/**
 * The third carrier (posts-service with AMQP_URL): serving a non-empty list publishes posts.viewed
 * to RabbitMQ, and posts-service's own consumer records the views. The amqplib instrumentation
 * names its spans with messaging conventions from before semconv v1.20 (`publish <exchange>`,
 * `<queue> process`, `messaging.rabbitmq.routing_key`), and carries the context in the message's
 * headers.
 */
const messagingAttributes = { 'messaging.system': 'rabbitmq', 'messaging.rabbitmq.routing_key': 'posts.viewed' };
const viewPublished: ExpectedSpan = {
  ref: 'posts.publish',
  service: 'posts-service',
  name: 'publish <default>',
  kind: 'PRODUCER',
  parent: 'posts.server',
  status: 'UNSET',
  attributes: messagingAttributes,
  follows: true,
};
const viewConsumed = (parent: string | null): ExpectedSpan => ({
  ref: 'posts.consume',
  service: 'posts-service',
  name: 'posts.viewed process',
  kind: 'CONSUMER',
  parent,
  status: 'UNSET',
  attributes: { ...messagingAttributes, 'messaging.operation': 'process' },
  follows: true,
});
const recordViews = (parent: string): ExpectedSpan => ({
  ref: 'posts.record',
  service: 'posts-service',
  name: 'record_post_views',
  kind: 'INTERNAL',
  parent,
  status: 'UNSET',
  attributes: { 'db.system.name': 'sqlite', 'db.operation.name': 'INSERT', 'db.collection.name': 'post_views' },
});

/**
 * A contract as it is where a broker runs (compose, pnpm demo with RabbitMQ): where posts-service
 * served a list (its fetch_posts_from_db ran, and the request answered 200), its trace goes on past
 * the response with the event's PRODUCER, CONSUMER and record_post_views. Others are unchanged.
 */
export function withViewEvents(contract: TraceContract): TraceContract {
  const served = contract.responseStatus === 200 && contract.spans.some((span) => span.ref === 'posts.db');
  if (!served || contract.spans.some((span) => span.ref === viewPublished.ref)) return contract;
  return {
    ...contract,
    description: `${contract.description}; then the view event, past the response`,
    spans: [...contract.spans, viewPublished, viewConsumed('posts.publish'), recordViews('posts.consume')],
  };
}

/** GET /api/users/<userId> with the broker: the request's trace goes on past its response. */
export function viewRecordedAloneContract(userId: number): TraceContract {
  return {
    ...withViewEvents(userWithPostsContract(userId)),
    description: "a known user, with the broker: the request's trace goes on past its response, PRODUCER -> CONSUMER -> record_post_views",
  };
}

/** The same request when its event was recorded in a batch: record_post_views is in the batch's trace. */
export function viewInABatchContract(userId: number): TraceContract {
  return {
    description: "a request whose event was recorded in a batch: its trace ends with the delivery's CONSUMER span",
    path: `/api/users/${userId}`,
    responseStatus: 200,
    spans: [...userWithPostsContract(userId).spans, viewPublished, viewConsumed('posts.publish')],
  };
}

/** Contracts of the view events (tests/e2e/view-events.test.ts; the runner starts the broker on request). */
export const EVENT_CONTRACTS = {
  viewRecordedAlone: viewRecordedAloneContract(1),
  viewInABatch: viewInABatchContract(1),
  batch: {
    description:
      'the batch (VIEW_EVENTS_BATCH_MS): a trace of its own, its CONSUMER span linked to the PRODUCER span of each message in it',
    path: '(no request: the consumer)',
    responseStatus: 0,
    spans: [
      {
        ref: 'batch.process',
        service: 'posts-service',
        name: 'process posts.viewed',
        kind: 'CONSUMER',
        parent: null,
        status: 'UNSET',
        attributes: { 'messaging.system': 'rabbitmq', 'messaging.operation.type': 'process', 'messaging.destination.name': 'posts.viewed' },
        linksTo: "each message's publish <default> (PRODUCER), in its request's trace",
      },
      recordViews('batch.process'),
    ],
  },
} satisfies Record<string, TraceContract>;

/**
 * `?transport=grpc&fault=posts-service:error=<injected>`: the fault answers before the permission
 * check, so it is the gRPC SERVER span's only child; `code` on both gRPC spans, `answered` above.
 */
const grpcInjectedErrorSpans = (answered: number, code: number, injected: number): ExpectedSpan[] => [
  frontendServer(answered),
  frontendClient(answered),
  usersServer(answered, 1),
  fetchUser,
  usersGrpcClient(code),
  postsGrpcServer(code),
  injectedError(injected),
];

/** Faults over gRPC: they need FAULT_INJECTION_ENABLED=true (pnpm demo and compose have it). */
export const GRPC_FAULT_CONTRACTS = {
  injectedUnavailable: {
    description: 'a 503 injected in posts-service over gRPC: UNAVAILABLE (14), and users-service answers 502 as over HTTP',
    path: '/api/users/1?transport=grpc&fault=posts-service:error=503',
    responseStatus: 502,
    spans: grpcInjectedErrorSpans(502, 14, 503),
  },
  injectedNotFound: {
    description:
      'a 404 injected in posts-service over gRPC: NOT_FOUND (5) passes through as 404; the SERVER span is ERROR (the conventions: UNSET)',
    path: '/api/users/1?transport=grpc&fault=posts-service:error=404',
    responseStatus: 404,
    spans: grpcInjectedErrorSpans(404, 5, 404),
  },
} satisfies Record<string, TraceContract>;

/** Contracts of a topology with a part missing. */
export const FAILURE_CONTRACTS = {
  postsServiceDown: {
    description: 'posts-service unreachable: 502 all the way up, the failed call marked on its CLIENT span',
    path: '/api/users/1',
    responseStatus: 502,
    spans: [frontendServer(502), frontendClient(502), usersServer(502, 1), fetchUser, usersClient('ERROR', {})],
  },
  postsServiceDownOverGrpc: {
    description: 'posts-service unreachable over gRPC: UNAVAILABLE (14) on the CLIENT span, 502 all the way up',
    path: '/api/users/1?transport=grpc',
    responseStatus: 502,
    spans: [frontendServer(502), frontendClient(502), usersServer(502, 1), fetchUser, usersGrpcClient(14)],
  },
} satisfies Record<string, TraceContract>;

/** The contract as an indented waterfall, as the pages show it. */
export function renderWaterfall(contract: TraceContract): string {
  const depth = (span: ExpectedSpan): number => {
    const parent = contract.spans.find((s) => s.ref === span.parent);
    return parent ? depth(parent) + 1 : 0;
  };
  return contract.spans
    .flatMap((span) => {
      const line = `${span.service.padEnd(14)} ${span.kind.padEnd(8)} ${'  '.repeat(depth(span))}${span.name}`;
      return span.linksTo ? [line, `${' '.repeat(24)}${'  '.repeat(depth(span))}  link -> ${span.linksTo}`] : [line];
    })
    .join('\n');
}

/**
 * A log record a request writes: by which service, inside which of its spans (the name Jaeger
 * shows), at what severity, with what body and key attributes. The records are what VictoriaLogs
 * stores from OTLP: the log data model's fields, with attribute values as strings.
 */
export interface ExpectedLogRecord {
  service: ExpectedSpan['service'];
  span: string;
  severityText: 'info' | 'warn' | 'error';
  /** The log data model's numbers: INFO 9, WARN 13, ERROR 17. */
  severityNumber: 9 | 13 | 17;
  body: string;
  attributes: Record<string, string>;
}

export interface LogContract {
  description: string;
  path: string;
  responseStatus: number;
  /** Every record of the request's trace, and no other. */
  records: ExpectedLogRecord[];
}

const requestRecord = (service: ExpectedSpan['service'], span: string, path: string, status: number): ExpectedLogRecord => ({
  service,
  span,
  severityText: 'info',
  severityNumber: 9,
  body: 'request',
  attributes: { method: 'GET', path, status: String(status) },
});

const failedRecord = (service: ExpectedSpan['service'], span: string, status: number, code: string): ExpectedLogRecord => ({
  service,
  span,
  severityText: 'error',
  severityNumber: 17,
  body: 'request failed',
  attributes: { status: String(status), code },
});

/** A 503 injected in posts-service, logged inside its injected_fault span, whichever transport brought the call. */
const injected503Record: ExpectedLogRecord = {
  service: 'posts-service',
  span: 'injected_fault',
  severityText: 'error',
  severityNumber: 17,
  body: 'fault injected',
  attributes: { fault: 'posts-service:error=503' },
};

/** What users-service and the frontend log above that 503: the same over HTTP and gRPC. */
const upstreamOf503Records: ExpectedLogRecord[] = [
  failedRecord('users-service', 'GET /users/:id', 502, 'bad_gateway'),
  requestRecord('users-service', 'GET /users/:id', '/users/1', 502),
  failedRecord('frontend', 'GET /api/users/:id', 502, 'bad_gateway'),
  requestRecord('frontend', 'GET /api/users/:id', '/api/users/1', 502),
];

/** posts-service's line for a gRPC call: the HTTP line's twin, with the method and gRPC code for path and status. */
const grpcRequestRecord = (code: number): ExpectedLogRecord => ({
  service: 'posts-service',
  span: LIST_POSTS_SPAN,
  severityText: 'info',
  severityNumber: 9,
  body: 'request',
  attributes: { rpc: '/posts.v1.PostsService/ListPosts', grpc_status_code: String(code) },
});

/** The log records of a request, as the log store holds them (tests/e2e/log-store.test.ts). */
export const LOG_CONTRACTS = {
  userWithPosts: {
    description: 'a known user: one request line in each service, each under its SERVER span',
    path: '/api/users/1',
    responseStatus: 200,
    records: [
      requestRecord('frontend', 'GET /api/users/:id', '/api/users/1', 200),
      requestRecord('users-service', 'GET /users/:id', '/users/1', 200),
      requestRecord('posts-service', 'GET /posts', '/posts', 200),
    ],
  },
  injectedError: {
    description: 'a 503 injected in posts-service: the fault itself at error, inside its injected_fault span, then each failed request',
    path: '/api/users/1?fault=posts-service:error=503',
    responseStatus: 502,
    records: [
      injected503Record,
      // The fault answers before routing, so posts-service's SERVER span has no route in its name.
      failedRecord('posts-service', 'GET', 503, 'injected_fault'),
      requestRecord('posts-service', 'GET', '/posts', 503),
      ...upstreamOf503Records,
    ],
  },
  userWithPostsOverGrpc: {
    description: 'a known user, posts over gRPC: posts-service writes the same request line, under its gRPC SERVER span',
    path: '/api/users/1?transport=grpc',
    responseStatus: 200,
    records: [
      requestRecord('frontend', 'GET /api/users/:id', '/api/users/1', 200),
      requestRecord('users-service', 'GET /users/:id', '/users/1', 200),
      grpcRequestRecord(0),
    ],
  },
  injectedUnavailableOverGrpc: {
    description: 'a 503 injected in posts-service over gRPC: the fault, the failed call as UNAVAILABLE (14), then each failed request',
    path: '/api/users/1?transport=grpc&fault=posts-service:error=503',
    responseStatus: 502,
    records: [
      injected503Record,
      {
        service: 'posts-service',
        span: LIST_POSTS_SPAN,
        severityText: 'error',
        severityNumber: 17,
        body: 'request failed',
        attributes: { grpc_status_code: '14', grpc_status: 'UNAVAILABLE', code: 'injected_fault' },
      },
      grpcRequestRecord(14),
      ...upstreamOf503Records,
    ],
  },
} satisfies Record<string, LogContract>;

/** One failed attempt at a view event, as posts-service logs it: the fault, then what becomes of the event. */
const failedAttemptRecords = (next: string, attributes: Record<string, string>): ExpectedLogRecord[] => [
  {
    service: 'posts-service',
    span: 'injected_fault',
    severityText: 'error',
    severityNumber: 17,
    body: 'fault injected',
    attributes: { fault: 'view-recorder:error=500' },
  },
  {
    service: 'posts-service',
    span: 'posts.viewed process',
    severityText: 'warn',
    severityNumber: 13,
    body: `recording post views failed: ${next}`,
    attributes: { maxAttempts: '3', ...attributes },
  },
];

/** The log records of a view event's trace (the broker on, as in pnpm demo): they go on after the response too. */
export const EVENT_LOG_CONTRACTS = {
  viewEventDeadLettered: {
    description: "a view event that fails every attempt: each attempt logs its fault and its fate, in the request's trace",
    path: '/api/users/1?fault=view-recorder:error=500',
    responseStatus: 200,
    records: [
      // The request's own lines, as without the fault, then the three attempts'.
      ...LOG_CONTRACTS.userWithPosts.records,
      ...failedAttemptRecords('redelivered', {}),
      ...failedAttemptRecords('redelivered', {}),
      ...failedAttemptRecords('moved to posts.viewed.dead', { attempt: '3' }),
    ],
  },
} satisfies Record<string, LogContract>;

/** A log contract as docs/logs-and-metrics.md shows it: one line a record, with the span that wrote it. */
export function renderLogRecords(contract: LogContract): string {
  return contract.records
    .map((record) => `${record.service.padEnd(14)} ${record.severityText.padEnd(6)} ${record.body.padEnd(15)} in ${record.span}`)
    .join('\n');
}
