/**
 * `tools/rabbitmq.sh --user`: the broker of the no-Docker mode without root. Debian's packages are
 * downloaded and unpacked into a binaries cache, as a user with no privileges, and the stack runs
 * the broker from there. It needs apt-get and Debian's mirror: in CI a missing part fails it,
 * elsewhere the suite is skipped with the reason.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPortFree, PIPELINE_NAMES, REPO_ROOT, readEnvFile, SERVICE_NAMES, Stack } from '@demo/stack';

const VERSION = readEnvFile(join(REPO_ROOT, '.env')).RABBITMQ_VERSION;
const hasAptGet = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasAptGet && process.env.CI) throw new Error('rabbitmq-user-install.test.ts: no apt-get, which tools/rabbitmq.sh --user needs');
if (!hasAptGet) console.warn('rabbitmq-user-install.test.ts skipped: tools/rabbitmq.sh --user needs apt-get (Debian or Ubuntu)');

/** Runs the script as `nobody` when this is root, so that the path is shown to need no privilege. */
function installAsUser(cache: string): { output: string; ms: number } {
  const asRoot = process.getuid?.() === 0;
  if (asRoot && spawnSync('id', ['-u', 'nobody'], { stdio: 'ignore' }).status !== 0) {
    throw new Error("no user 'nobody' on this machine (Debian's base-passwd has it): this test runs the script as nobody");
  }
  const env = ['env', `GO_BINARIES_DIR=${cache}`, `HOME=${cache}`, `PATH=${process.env.PATH}`];
  const command = asRoot
    ? ['runuser', ['-u', 'nobody', '--', ...env, 'bash', 'tools/rabbitmq.sh', '--user']]
    : ['bash', ['tools/rabbitmq.sh', '--user']];
  const started = performance.now();
  const output = execFileSync(command[0] as string, command[1] as string[], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: asRoot ? process.env : { ...process.env, GO_BINARIES_DIR: cache },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { output, ms: performance.now() - started };
}

(hasAptGet ? describe : describe.skip)('tools/rabbitmq.sh --user', () => {
  const cache = mkdtempSync(join(tmpdir(), 'rabbitmq-user-'));
  const server = join(cache, `rabbitmq-${VERSION}`, 'root/usr/lib/rabbitmq/bin/rabbitmq-server');
  const savedServer = process.env.RABBITMQ_SERVER;
  chmodSync(cache, 0o777);
  afterAll(() => {
    if (savedServer === undefined) delete process.env.RABBITMQ_SERVER;
    else process.env.RABBITMQ_SERVER = savedServer;
    rmSync(cache, { recursive: true, force: true });
  });

  test("unpacks Debian's rabbitmq-server and its Erlang into the cache, with no privilege; a second run downloads nothing", () => {
    const first = installAsUser(cache);
    expect(first.output).toContain(`rabbitmq-server ${VERSION} in ${join(cache, `rabbitmq-${VERSION}`, 'root')}`);
    const second = installAsUser(cache);
    expect(second.output.trim()).toBe(first.output.trim());
    console.log(`[broker report] --user install: ${(first.ms / 1000).toFixed(1)} s, then ${(second.ms / 1000).toFixed(1)} s`);
  }, 300_000);

  test('the stack runs the broker from the cache, and stopping it leaves no port mapper behind', async () => {
    process.env.RABBITMQ_SERVER = server;
    const stack = await Stack.start({
      ports: 'free',
      broker: true,
      without: [...PIPELINE_NAMES, ...SERVICE_NAMES],
      startTimeoutMs: 60_000,
    });
    let epmdPort = 0;
    try {
      const pid = stack.process('rabbitmq').pid as number;
      expect(readlinkSync(`/proc/${pid}/exe`).startsWith(cache)).toBe(true);
      const metrics = await (await fetch(`http://127.0.0.1:${stack.ports.broker?.metrics}/metrics`)).text();
      expect(metrics).toMatch(/^rabbitmq_/m);
      epmdPort = stack.ports.broker?.epmd ?? 0;
    } finally {
      await stack.stop();
    }
    expect(await isPortFree(epmdPort)).toBe(true);
  }, 120_000);
});
