/**
 * `pnpm demo` after one whose process group was killed outright (SIGKILL: a closed terminal, a CI
 * job cancelled, a test's cleanup), with RabbitMQ running. Every process of the group dies with it
 * but the broker's port mapper: epmd daemonizes, and keeps the private port the next run needs. The
 * next run recognises it as a leftover (an epmd with no node registered), stops it, and starts.
 * It uses the .env ports, as the demo does.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { isPortFree, REPO_ROOT, rabbitmqInstallation, readEnvFile } from '@demo/stack';
import { eventually } from './prometheus';
import { describeWithBroker } from './rabbitmq';

const EPMD_PORT = Number(readEnvFile(join(REPO_ROOT, '.env')).LOCAL_RABBITMQ_EPMD_PORT);

interface Demo {
  child: ChildProcess;
  stdout: string;
  stderr: string;
}

/** pnpm demo's runner, in a process group of its own, once it says it is up. */
async function startDemo(): Promise<Demo> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'tools/stack/dist/demo.js')], { cwd: REPO_ROOT, detached: true });
  const demo: Demo = { child, stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk) => {
    demo.stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    demo.stderr += chunk;
  });
  const deadline = Date.now() + 120_000;
  while (!demo.stdout.includes('Ctrl-C stops everything')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      killGroup(child);
      throw new Error(`pnpm demo did not start (exit ${child.exitCode})\nstdout:\n${demo.stdout}\nstderr:\n${demo.stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return demo;
}

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-(child.pid as number), 'SIGKILL');
  } catch {
    // already gone
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', resolve));
}

/** epmd on the demo's private port, from the broker's own Erlang: `-names` lists what is registered. */
function epmd(command: '-names' | '-kill'): { status: number | null; stdout: string } {
  const env = { ...process.env, ...rabbitmqInstallation().env, ERL_EPMD_PORT: String(EPMD_PORT) };
  return spawnSync('epmd', [command], { env, encoding: 'utf8' });
}

describeWithBroker('demo-after-kill.test.ts')('pnpm demo after one killed with SIGKILL', () => {
  let second: Demo | undefined;
  afterAll(async () => {
    if (second) killGroup(second.child);
    epmd('-kill');
    // The killed brokers' data (pnpm demo's .cache/data/rabbitmq): a demo started on it afterwards
    // connects, but its view events are never confirmed (seen 2026-12-07; not yet understood), so
    // it would fail the next suite that runs pnpm demo. This suite made it; it removes it.
    rmSync(join(REPO_ROOT, '.cache/data/rabbitmq'), { recursive: true, force: true });
  });

  test("the next run stops the first one's leftover port mapper, says so, starts, and leaves nothing when stopped", async () => {
    const first = await startDemo();
    expect(first.stdout).toContain('Broker');
    killGroup(first.child);
    await exited(first.child);
    // The leftover: the group is gone, its epmd is not, and no broker is registered in it. epmd
    // drops the killed broker's name when it sees the connection closed, a moment after the kill.
    expect(await isPortFree(EPMD_PORT)).toBe(false);
    const names = await eventually(
      () => epmd('-names'),
      (result) => !/^name /m.test(result.stdout),
      10_000,
      "the killed broker's name leaving epmd",
    );
    expect(names).toMatchObject({ status: 0, stdout: expect.not.stringMatching(/^name /m) });

    second = await startDemo();
    expect(second.stderr).toContain(`stack: stopped the broker's port mapper (epmd) that an earlier run left on 127.0.0.1:${EPMD_PORT}`);
    expect(epmd('-names').stdout).toMatch(/^name demo at port \d+/m);
    const response = await fetch(`http://127.0.0.1:${readEnvFile(join(REPO_ROOT, '.env')).FRONTEND_PORT}/api/users/1`);
    expect(response.status).toBe(200);

    second.child.kill('SIGINT');
    expect(await exited(second.child)).toBe(0);
    second = undefined;
    expect(await isPortFree(EPMD_PORT)).toBe(true);
  }, 300_000);
});
