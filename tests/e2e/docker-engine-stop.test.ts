/**
 * tools/compose/docker-engine.sh stop stops only the dockerd its own `start` recorded (DOCKERD_STATE),
 * by that pid: .ci/run gives each run a state of its own, so a daemon started by hand, or by another
 * run, is used and left running. A stand-in named dockerd (a copy of `sleep`) plays the daemon.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@demo/stack';

const dir = mkdtempSync(join(tmpdir(), 'docker-engine-stop-'));
const fakeDockerd = join(dir, 'dockerd');
copyFileSync(execFileSync('sh', ['-c', 'command -v sleep'], { encoding: 'utf8' }).trim(), fakeDockerd);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Started from a shell that exits at once, so that init reaps it, as it would a daemon: no zombie to linger under the test. */
function startFake(): number {
  return Number(execFileSync('sh', ['-c', `"${fakeDockerd}" 60 >/dev/null 2>&1 & echo $!`], { encoding: 'utf8' }).trim());
}

const alive = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'dockerd';
  } catch {
    return false;
  }
};

function stop(state: string): string {
  return execFileSync(join(REPO_ROOT, 'tools/compose/docker-engine.sh'), ['stop'], {
    env: { ...process.env, DOCKERD_STATE: state },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

test('a state that recorded no dockerd stops nothing; the state that recorded it stops that pid', () => {
  const pid = startFake();
  try {
    const byHand = join(dir, 'by-hand');
    writeFileSync(`${byHand}.pid`, String(pid));
    // Another run's state, which started nothing: the daemon stays.
    expect(stop(join(dir, 'ci-run'))).toBe('');
    expect(alive(pid)).toBe(true);
    // The state that started it stops it, and waits until it is gone.
    stop(byHand);
    expect(alive(pid)).toBe(false);
  } finally {
    if (alive(pid)) process.kill(pid);
  }
});
