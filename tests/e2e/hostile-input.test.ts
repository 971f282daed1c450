/**
 * Hostile and malformed input at the public edge: every request is served (or refused with the
 * right 4xx), an invalid incoming trace context starts a new trace, nothing crashes, and no
 * credential ever lands in a span.
 */
import { request as httpRequest } from 'node:http';
import { Stack } from '@demo/stack';
import { traceIdOf } from './contract-matcher';
import { getTrace, type StoredSpan, waitForTrace } from './jaeger';
import { TRACE_CONTRACTS } from './trace-contracts';

const FULL_TRACE = TRACE_CONTRACTS.userWithPosts.spans.length;
const VALID_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const VALID_PARENT = `00-${VALID_TRACE_ID}-00f067aa0ba902b7-01`;
let stack: Stack;

beforeAll(async () => {
  stack = await Stack.start({ ports: 'free' });
});
afterAll(() => stack?.stop());

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A GET with exactly these headers, duplicates included (fetch would merge them). */
function get(path: string, headers: Record<string, string | string[]> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: stack.ports.frontend, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject).end();
  });
}

async function rootOf(response: RawResponse): Promise<StoredSpan | undefined> {
  const traceId = traceIdOf(response.headers.traceresponse as string);
  const { spans } = await waitForTrace(stack.jaegerUrl, traceId, FULL_TRACE, { settleMs: 0 });
  return spans.find((span) => span.service === 'frontend' && span.kind === 'SERVER');
}

test('a valid traceparent is continued: same trace id, its span as the parent', async () => {
  const response = await get('/api/users/1', { traceparent: VALID_PARENT });
  expect(response.status).toBe(200);
  expect(traceIdOf(response.headers.traceresponse as string)).toBe(VALID_TRACE_ID);
  expect((await rootOf(response))?.parentSpanId).toBe('00f067aa0ba902b7');
});

test.each([
  ['version ff', `ff-${VALID_TRACE_ID}-00f067aa0ba902b7-01`],
  ['an all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
  ['an all-zero span id', `00-${VALID_TRACE_ID}-${'0'.repeat(16)}-01`],
  ['a short trace id', `00-${VALID_TRACE_ID.slice(2)}-00f067aa0ba902b7-01`],
  ['a long span id', `00-${VALID_TRACE_ID}-00f067aa0ba902b7ff-01`],
  ['non-hex characters', `00-${VALID_TRACE_ID.replace(/a/g, 'z')}-00f067aa0ba902b7-01`],
  ['a 10 KB value', `00-${VALID_TRACE_ID}-00f067aa0ba902b7-01-${'x'.repeat(10_240)}`],
  ['duplicated headers', [VALID_PARENT, `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`]],
])('traceparent with %s: served, as a new trace', async (_why, traceparent) => {
  const response = await get('/api/users/1', { traceparent });
  expect(response.status).toBe(200);
  const traceId = traceIdOf(response.headers.traceresponse as string);
  expect(traceId).not.toBe(VALID_TRACE_ID);
  expect((await rootOf(response))?.parentSpanId).toBeNull();
});

test.each([
  [
    'tracestate with 33 members (W3C: at most 32)',
    { traceparent: VALID_PARENT, tracestate: Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(',') },
  ],
  ['tracestate of 600 characters (W3C: at most 512)', { traceparent: VALID_PARENT, tracestate: `k=${'v'.repeat(598)}` }],
  ['baggage with 200 members (W3C: at most 180)', { baggage: Array.from({ length: 200 }, (_, i) => `k${i}=v`).join(',') }],
  ['baggage of 9000 bytes (W3C: at most 8192)', { baggage: `k=${'v'.repeat(8_998)}` }],
  ['malformed baggage', { baggage: ';;;==,,%%%zz' }],
])('%s: served', async (_why, headers) => {
  const response = await get('/api/users/1', headers);
  expect(response.status).toBe(200);
  expect(await rootOf(response)).toBeDefined();
});

test.each([
  ["1' OR '1'='1", 'SQL injection'],
  ['1;DROP TABLE users', 'SQL injection'],
  ['١٢٣', 'Arabic-Indic digits'],
  ['１', 'a full-width digit'],
  ['%F0%9F%92%A5', 'an emoji'],
  ['9'.repeat(4_000), 'a very long id'],
  ['%00', 'a NUL byte'],
])('id %j (%s) is a clean 400', async (id, _why) => {
  const response = await get(`/api/users/${id.startsWith('%') ? id : encodeURIComponent(id)}`);
  expect(response.status).toBe(400);
  expect(JSON.parse(response.body)).toEqual({ error: { code: 'invalid_id', message: expect.any(String) } });
});

test('headers over 16 KiB are refused with 431', async () => {
  const response = await get('/api/users/1', { 'x-padding': 'x'.repeat(20 * 1024) });
  expect(response.status).toBe(431);
});

test('a body over 16 KiB is refused with 413', async () => {
  const response = await fetch(`${stack.frontendUrl}/api/users/1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pad: 'x'.repeat(20 * 1024) }),
  });
  expect(response.status).toBe(413);
  expect(await response.json()).toMatchObject({ error: { code: 'payload_too_large' } });
});

test('no span attribute carries a credential header', async () => {
  const secret = 'S3CRET-credential-value';
  const response = await get('/api/users/1', {
    authorization: `Bearer ${secret}`,
    cookie: `session=${secret}`,
    'proxy-authorization': `Basic ${secret}`,
    'x-api-key': secret,
  });
  expect(response.status).toBe(200);
  const { spans } = await waitForTrace(stack.jaegerUrl, traceIdOf(response.headers.traceresponse as string), FULL_TRACE);
  const everything = JSON.stringify(spans.map((span) => [span.attributes, span.resource]));
  expect(everything).not.toContain(secret);
  expect(everything.toLowerCase()).not.toMatch(/authorization|cookie|api-key/);
});

describe('the browser span proxy (POST /otlp/v1/traces), on the real Collector', () => {
  const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(`${stack.frontendUrl}/otlp/v1/traces`, { method: 'POST', headers, body });
  const oneSpan = (traceId: string, serviceName = 'frontend-web') =>
    JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: serviceName } }] },
          scopeSpans: [
            {
              scope: { name: 'hostile-input' },
              spans: [
                {
                  traceId,
                  spanId: '00f067aa0ba902b7',
                  name: 'load_user_posts',
                  kind: 1,
                  startTimeUnixNano: String(BigInt(Date.now() - 5) * 1_000_000n),
                  endTimeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
                },
              ],
            },
          ],
        },
      ],
    });

  test('a bad body, a huge body, another service name and a flood are refused; a valid batch reaches Jaeger', async () => {
    const statuses = {
      badBody: (await post('{"resourceSpans": [')).status,
      notJson: (await post('hello', { 'content-type': 'text/plain' })).status,
      hugeBody: (await post(`{"resourceSpans": [], "pad": "${'x'.repeat(1024 * 1024)}"}`)).status,
      otherService: (await post(oneSpan('5b8efff798038103d269b633813fc60c', 'users-service'))).status,
    };
    expect(statuses).toEqual({ badBody: 400, notJson: 415, hugeBody: 413, otherService: 403 });
    expect(await getTrace(stack.jaegerUrl, '5b8efff798038103d269b633813fc60c')).toEqual([]);

    const traceId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
    expect((await post(oneSpan(traceId))).status).toBe(200);
    const { spans } = await waitForTrace(stack.jaegerUrl, traceId, 1);
    expect(spans.map((span) => span.service)).toEqual(['frontend-web']);

    const flood = await Promise.all(Array.from({ length: 100 }, () => post('{"resourceSpans": []}').then((r) => r.status)));
    const counts: Record<number, number> = {};
    for (const status of flood) counts[status] = (counts[status] ?? 0) + 1;
    expect(counts[429]).toBeGreaterThan(50);
    expect(Object.keys(counts).sort()).toEqual(['200', '429']);
    expect((await fetch(`${stack.frontendUrl}/healthz`)).status).toBe(200);
    process.stdout.write(`[fault report] browser span proxy: ${JSON.stringify({ ...statuses, flood100: counts })}\n`);
  });
});
