/**
 * `pnpm demo` as a user without a reachable release host runs it: the installer falls back to the
 * Go builds with one line a binary, the banner says the Jaeger and Prometheus UIs are placeholders,
 * a request answers, and Ctrl-C stops everything. It uses the .env ports, as the demo does.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, REPO_ROOT, rabbitmqInstalled, readEnvFile } from '@demo/stack';
import { contractViolations, traceIdOf } from './contract-matcher';
import { waitForTrace } from './jaeger';
import { userWithPostsContract, viewRecordedAloneContract } from './trace-contracts';

const dotenv = readEnvFile(join(REPO_ROOT, '.env'));
let demo: ChildProcess | undefined;
let stdout = '';
let stderr = '';

function waitFor(pattern: RegExp, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ${pattern} within ${timeoutMs} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`)),
      timeoutMs,
    );
    const check = () => {
      if (pattern.test(stdout)) {
        clearTimeout(timer);
        resolve();
      } else if (demo?.exitCode !== null) {
        clearTimeout(timer);
        reject(new Error(`pnpm demo exited with ${demo?.exitCode}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
      } else {
        setTimeout(check, 200);
      }
    };
    check();
  });
}

beforeAll(async () => {
  // Every release download is refused at once by a closed local port: the offline case, on 127.0.0.1.
  const env = { ...process.env, DEMO_BINARIES: 'auto', DEMO_BINARIES_RELEASE_URL: `http://127.0.0.1:${await freePort()}` };
  demo = spawn(process.execPath, [join(REPO_ROOT, 'tools/stack/dist/demo.js')], { cwd: REPO_ROOT, env });
  demo.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  demo.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  await waitFor(/Ctrl-C stops everything/, 90_000);
}, 120_000);

afterAll(() => {
  if (demo?.exitCode === null) demo.kill('SIGKILL');
});

test('the installer prints one line a binary: the Go build, and why the release was not used', () => {
  const lines = stderr.split('\n').filter((line) => line.startsWith('install-binaries: '));
  expect(lines.map((line) => line.split(/\s+/).slice(1, 3).join(' '))).toEqual([
    'collector go',
    'jaeger go',
    'prometheus go',
    'victoria-logs go',
  ]);
  expect(lines[0]).toMatch(/release not used: .*(Connection refused|Failed to connect|Could not connect)/i);
  for (const line of lines.slice(1)) expect(line).toContain('not tried, the host did not answer for collector');
});

test('the banner names the Jaeger and Prometheus UIs as placeholders, and the real log UI', () => {
  expect(stdout).toContain(
    `http://localhost:${dotenv.JAEGER_UI_PORT}/api/traces?service=frontend&limit=5   (its API; a Go build: its UI is a placeholder`,
  );
  expect(stdout).toContain(
    `http://localhost:${dotenv.PROMETHEUS_PORT}/api/v1/query?query=traces_span_metrics_calls_total   (its API; a Go build`,
  );
  expect(stdout).toContain(`http://localhost:${dotenv.VICTORIA_LOGS_PORT}/select/vmui/`);
});

test('the banner names the broker when RabbitMQ is installed (as in CI), and says how to get it when not', () => {
  if (rabbitmqInstalled()) expect(stdout).toContain(`Broker          amqp://localhost:${dotenv.RABBITMQ_PORT}   (RabbitMQ: posts.viewed`);
  else expect(stdout).toContain('no RabbitMQ here, so no posts.viewed events: sudo tools/rabbitmq.sh installs it');
});

test('a request answers 200, its line with the trace link shows in the terminal, and with the broker its trace goes on to record_post_views', async () => {
  const response = await fetch(`http://127.0.0.1:${dotenv.FRONTEND_PORT}/api/users/1`);
  expect(response.status).toBe(200);
  await waitFor(/GET \/api\/users\/1 -> 200 in .* http:\/\/localhost:\d+\/trace\/[0-9a-f]{32}/, 10_000);
  // The README's curl, in this mode: with RabbitMQ (as in CI), PRODUCER -> CONSUMER -> record_post_views.
  const contract = rabbitmqInstalled() ? viewRecordedAloneContract(1) : userWithPostsContract(1);
  const traceId = traceIdOf(response.headers.get('traceresponse'));
  const { spans } = await waitForTrace(`http://127.0.0.1:${dotenv.JAEGER_UI_PORT}`, traceId, contract.spans.length, { timeoutMs: 20_000 });
  expect(contractViolations(contract, spans)).toEqual([]);
});

test('Ctrl-C stops everything, with exit 0', async () => {
  demo?.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => demo?.once('exit', resolve));
  expect(code).toBe(0);
  expect(stdout).toMatch(/Stopped: .*frontend=/);
});
