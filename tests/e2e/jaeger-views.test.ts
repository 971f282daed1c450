/**
 * What users read back from Jaeger besides single traces: the service dependency graph, and
 * `pnpm trace`, the waterfall in a terminal with each span's log lines from VictoriaLogs. Real
 * processes throughout.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, Stack } from '@demo/stack';
import { traceIdOf } from './contract-matcher';
import { waitForTrace } from './jaeger';
import { waitForTraceLogs } from './log-store';
import { LOG_CONTRACTS, type TraceContract, userWithPostsContract } from './trace-contracts';

const REQUESTS = 5;
const CLI = join(REPO_ROOT, 'tools/trace/dist/cli.js');
let stack: Stack;
const traceIds: string[] = [];

beforeAll(async () => {
  stack = await Stack.start({ ports: 'free' });
  const contract = userWithPostsContract(1);
  for (let i = 0; i < REQUESTS; i++) {
    const response = await fetch(`${stack.frontendUrl}${contract.path}`);
    expect(response.status).toBe(200);
    traceIds.push(traceIdOf(response.headers.get('traceresponse')));
  }
  for (const traceId of traceIds) await waitForTrace(stack.jaegerUrl, traceId, contract.spans.length, { settleMs: 0 });
});

afterAll(async () => {
  await stack?.stop();
});

test(`the dependency graph holds exactly frontend -> users-service -> posts-service, ${REQUESTS} calls each`, async () => {
  // Jaeger's in-memory store also counts each service's own parent -> child spans as a
  // self-edge (frontend -> frontend); the graph between services is what this demo is about.
  const query = new URLSearchParams({ endTs: String(Date.now()), lookback: String(60 * 60 * 1000) });
  const body = (await (await fetch(`${stack.jaegerUrl}/api/dependencies?${query}`)).json()) as {
    data: { parent: string; child: string; callCount: number }[];
  };
  const edges = body.data
    .filter(({ parent, child }) => parent !== child)
    .map(({ parent, child, callCount }) => ({ parent, child, callCount }));
  expect(edges.sort((a, b) => a.parent.localeCompare(b.parent))).toEqual([
    { parent: 'frontend', child: 'users-service', callCount: REQUESTS },
    { parent: 'users-service', child: 'posts-service', callCount: REQUESTS },
  ]);
});

const LOG_LINE = /^ +log {2}(\S+)\s+(.*)$/;

/**
 * The CLI's span rows as [service, depth, name], parsed back from its text, and its log lines as
 * [the name of the span row above, severity, body].
 */
function runTraceCli(args: string[]): { header: string; rows: [string, number, string][]; logs: [string, string, string][] } {
  const output = execFileSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, JAEGER_URL: stack.jaegerUrl, VICTORIA_LOGS_URL: stack.logStoreUrl },
    encoding: 'utf8',
    timeout: 20_000,
  });
  const [header = '', ...lines] = output.trimEnd().split('\n');
  // The names column starts where the root row's name does (the root is not indented).
  const nameColumn = /^\S+\s+/.exec(lines[0] ?? '')?.[0].length ?? 0;
  const rows: [string, number, string][] = [];
  const logs: [string, string, string][] = [];
  for (const line of lines) {
    const log = LOG_LINE.exec(line);
    if (log) {
      logs.push([rows.at(-1)?.[2] ?? '(none)', log[1] ?? '', (log[2] ?? '').split('  ')[0] ?? '']);
      continue;
    }
    const match = /^( *)(\S.*?)\s{2,}[\d.]+ ms\s+\|/.exec(line.slice(nameColumn));
    if (!match) throw new Error(`unexpected row: ${line}`);
    rows.push([line.slice(0, nameColumn).trim(), (match[1] ?? '').length / 2, match[2] ?? '']);
  }
  return { header, rows, logs };
}

function contractRows(contract: TraceContract): [string, number, string][] {
  const depth = (ref: string | null): number => {
    const parent = contract.spans.find((s) => s.ref === ref)?.parent ?? null;
    return parent === null ? 0 : depth(parent) + 1;
  };
  return contract.spans.map((span) => [span.service, depth(span.ref), span.name]);
}

test('pnpm trace <id> --no-logs draws the trace contract: the same spans, in the same order, at the same depth', () => {
  const traceId = traceIds[0] ?? '';
  const { header, rows, logs } = runTraceCli([traceId, '--no-logs']);
  expect(header).toMatch(new RegExp(`^trace ${traceId}: 8 spans, [\\d.]+ ms$`));
  expect(rows).toEqual(contractRows(userWithPostsContract(1)));
  expect(logs).toEqual([]);
});

test("pnpm trace <id> prints the request's log lines under the spans that wrote them", async () => {
  const traceId = traceIds[1] ?? '';
  const expected = LOG_CONTRACTS.userWithPosts.records;
  await waitForTraceLogs(stack.logStoreUrl, traceId, expected.length);
  const { header, rows, logs } = runTraceCli([traceId]);
  expect(header).toMatch(new RegExp(`^trace ${traceId}: 8 spans, [\\d.]+ ms, ${expected.length} log records$`));
  // Sorted: two sibling spans of posts-service can start in the same microsecond, in either order.
  expect([...rows].sort()).toEqual(contractRows(userWithPostsContract(1)).sort());
  const expectedLines = expected.map((record) => [record.span, record.severityText, record.body]);
  expect(logs.sort()).toEqual(expectedLines.sort());
});

test('pnpm trace still draws the waterfall when the log store does not answer, and says why the lines are missing', () => {
  const result = spawnSync(process.execPath, [CLI, traceIds[0] ?? ''], {
    env: { ...process.env, JAEGER_URL: stack.jaegerUrl, VICTORIA_LOGS_URL: 'http://127.0.0.1:9' },
    encoding: 'utf8',
    timeout: 20_000,
  });
  expect(result.status).toBe(0);
  expect(result.stdout).toMatch(/^trace [0-9a-f]{32}: 8 spans/);
  expect(result.stderr).toContain('log records not shown: VictoriaLogs (http://127.0.0.1:9) did not answer');
});

test('pnpm trace --last draws the latest trace', () => {
  expect(runTraceCli(['--last', '--no-logs']).header).toContain(`trace ${traceIds.at(-1)}:`);
});

test('pnpm trace explains bad input and a missing trace instead of failing with a stack trace', () => {
  const run = (args: string[], jaegerUrl = stack.jaegerUrl) => {
    try {
      execFileSync(process.execPath, [CLI, ...args], {
        env: { ...process.env, JAEGER_URL: jaegerUrl },
        encoding: 'utf8',
        stdio: 'pipe',
      });
      return { status: 0, stderr: '' };
    } catch (error) {
      const failed = error as { status: number; stderr: string };
      return { status: failed.status, stderr: failed.stderr };
    }
  };
  expect(run(['not-a-trace'])).toEqual({ status: 2, stderr: expect.stringContaining('is not a trace id') });
  expect(run([`${'0'.repeat(31)}1`])).toEqual({ status: 2, stderr: expect.stringContaining('has no trace') });
  expect(run([])).toEqual({ status: 2, stderr: expect.stringContaining('usage: pnpm trace') });
  expect(run(['--last'], 'http://127.0.0.1:9')).toEqual({
    status: 1,
    stderr: expect.stringContaining('cannot reach Jaeger at http://127.0.0.1:9'),
  });
});
