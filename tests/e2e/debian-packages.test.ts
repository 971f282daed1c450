/**
 * tools/debian-packages.sh, the one install step behind chromium.sh, rabbitmq.sh, docker-engine.sh
 * and node-packages.sh: what it does with the machine's /usr/sbin/policy-rc.d and its package lists.
 * The script runs for real; only apt-get is a stand-in, which asks the policy in place what
 * invoke-rc.d would ask (`policy-rc.d <service> start`) while the "install" runs, and records it.
 *
 * The policies are those a machine may have: none; the one Debian images built for Docker ship
 * (copied from this project's machine image, where it broke the RabbitMQ install); and one that
 * allows starts, with the exit codes of init-system-helpers' README.policy-rc.d (0: allowed,
 * 101: forbidden). The script refuses to install without root, so the suite needs root: CI runs
 * as root, and elsewhere it is skipped with the reason.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@demo/stack';

const isRoot = process.getuid?.() === 0;
if (!isRoot && process.env.CI) throw new Error('debian-packages.test.ts: CI must run as root, as tools/debian-packages.sh installs');
if (!isRoot) console.warn('debian-packages.test.ts skipped: tools/debian-packages.sh installs as root only');

/** /usr/sbin/policy-rc.d as the machine image of this project ships it (Debian images built for Docker). */
const DOCKER_IMAGE_POLICY = `#!/bin/sh

# For most Docker users, "apt-get install" only happens during "docker build",
# where starting services doesn't work and often fails in humorous ways. This
# prevents those failures by stopping the services from attempting to start.

exit 101
`;
const ALLOWING_POLICY = '#!/bin/sh\n# allows every action\nexit 0\n';
/** Forbids only docker's start: the broker would still start under it. */
const PARTLY_FORBIDDING_POLICY = '#!/bin/sh\n[ "$1" = docker ] && exit 101\nexit 0\n';

/**
 * Packages no Debian machine has installed, so that the script always has something to install
 * whatever this machine has (rabbitmq-server itself is installed on CI's); the second stands for a
 * package that ships a service.
 */
const ABSENT_PACKAGE = 'demo-package-not-in-any-archive';
const SERVICE_PACKAGE = 'demo-broker-not-in-any-archive';

/**
 * The stand-in apt-get: records each call; during `install`, what the policy says of each
 * package's start, and whether the machine's file was set aside; with KILL_INSTALLER, it kills the
 * script mid-install, as a lost session or a Ctrl-\ would.
 */
const FAKE_APT_GET = `#!/bin/sh
echo "apt-get $*" >>"$RECORD"
[ "$1" = install ] || exit 0
for package in "$@"; do
  case "$package" in -*|install) continue ;; esac
  if [ -x "$POLICY_RC_D" ]; then "$POLICY_RC_D" "$package" start >/dev/null 2>&1; status=$?; else status=none; fi
  echo "policy says of $package start: $status" >>"$RECORD"
done
[ -e "$POLICY_RC_D.set-aside-by-otel-node-tracing-demo" ] && echo "machine's policy set aside" >>"$RECORD"
[ -n "$KILL_INSTALLER" ] && kill -9 "$PPID"
exit 0
`;

interface Machine {
  dir: string;
  policy: string;
  lists: string;
  record: string;
}

function newMachine(policy?: string, { freshLists = false } = {}): Machine {
  const dir = mkdtempSync(join(tmpdir(), 'debian-packages-'));
  const machine = { dir, policy: join(dir, 'policy-rc.d'), lists: join(dir, 'lists'), record: join(dir, 'record') };
  mkdirSync(machine.lists);
  const release = join(machine.lists, 'deb.debian.org_debian_dists_bookworm_InRelease');
  writeFileSync(release, '');
  // An image's lists are as old as the image: a day is old enough to be refreshed.
  if (!freshLists) utimesSync(release, new Date(Date.now() - 86_400_000), new Date(Date.now() - 86_400_000));
  writeFileSync(join(dir, 'apt-get'), FAKE_APT_GET, { mode: 0o755 });
  writeFileSync(machine.record, '');
  if (policy !== undefined) writeFileSync(machine.policy, policy, { mode: 0o755 });
  return machine;
}

function install(machine: Machine, packages: string[], extraEnv: Record<string, string> = {}) {
  const result = spawnSync('bash', ['tools/debian-packages.sh', ...packages], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      POLICY_RC_D: machine.policy,
      APT_LISTS_DIR: machine.lists,
      APT_GET: join(machine.dir, 'apt-get'),
      RECORD: machine.record,
      ...extraEnv,
    },
  });
  return { status: result.status, signal: result.signal, stderr: result.stderr, record: readFileSync(machine.record, 'utf8') };
}

const machines: Machine[] = [];
function machineWith(policy?: string, options?: { freshLists?: boolean }): Machine {
  const machine = newMachine(policy, options);
  machines.push(machine);
  return machine;
}
afterAll(() => {
  for (const { dir } of machines) rmSync(dir, { recursive: true, force: true });
});

(isRoot ? describe : describe.skip)('tools/debian-packages.sh', () => {
  test("with the Docker image's policy (exit 101): uses it as it is, and installs with every start forbidden", () => {
    const machine = machineWith(DOCKER_IMAGE_POLICY);
    const before = statSync(machine.policy);
    const result = install(machine, [SERVICE_PACKAGE, ABSENT_PACKAGE]);
    expect(result.status).toBe(0);
    expect(result.record).toContain(`policy says of ${SERVICE_PACKAGE} start: 101`);
    expect(result.record).not.toContain('set aside');
    expect(readFileSync(machine.policy, 'utf8')).toBe(DOCKER_IMAGE_POLICY);
    expect(statSync(machine.policy).mtimeMs).toBe(before.mtimeMs);
    expect(statSync(machine.policy).ino).toBe(before.ino);
    expect(result.stderr).toContain('forbids service starts already; using it as it is');
  });

  test('with no policy: starts are forbidden during the install, and no policy is left after', () => {
    const machine = machineWith(undefined);
    const result = install(machine, [SERVICE_PACKAGE, ABSENT_PACKAGE]);
    expect(result.status).toBe(0);
    expect(result.record).toContain(`policy says of ${SERVICE_PACKAGE} start: 101`);
    expect(existsSync(machine.policy)).toBe(false);
  });

  test.each([
    ['allows every start', ALLOWING_POLICY],
    ["forbids docker's start only", PARTLY_FORBIDDING_POLICY],
  ])('with a policy that %s: set aside for the install, then put back as it was', (_, policy) => {
    const machine = machineWith(policy);
    const modeBefore = statSync(machine.policy).mode;
    const result = install(machine, [SERVICE_PACKAGE, ABSENT_PACKAGE]);
    expect(result.status).toBe(0);
    expect(result.record).toContain(`policy says of ${SERVICE_PACKAGE} start: 101`);
    expect(result.record).toContain("machine's policy set aside");
    expect(readFileSync(machine.policy, 'utf8')).toBe(policy);
    expect(statSync(machine.policy).mode).toBe(modeBefore);
    expect(existsSync(`${machine.policy}.set-aside-by-otel-node-tracing-demo`)).toBe(false);
  });

  test("a run killed mid-install leaves the machine's policy aside; the next run puts it back first", () => {
    const machine = machineWith(ALLOWING_POLICY);
    const killed = install(machine, [ABSENT_PACKAGE], { KILL_INSTALLER: '1' });
    expect(killed.signal).toBe('SIGKILL');
    expect(readFileSync(machine.policy, 'utf8')).not.toBe(ALLOWING_POLICY);

    const next = install(machine, [ABSENT_PACKAGE]);
    expect(next.status).toBe(0);
    expect(next.stderr).toContain('putting back the');
    expect(readFileSync(machine.policy, 'utf8')).toBe(ALLOWING_POLICY);
  });

  test('a run killed mid-install on a machine with no policy leaves none after the next run', () => {
    const machine = machineWith(undefined);
    expect(install(machine, [ABSENT_PACKAGE], { KILL_INSTALLER: '1' }).signal).toBe('SIGKILL');
    expect(existsSync(machine.policy)).toBe(true);
    expect(install(machine, [ABSENT_PACKAGE]).status).toBe(0);
    expect(existsSync(machine.policy)).toBe(false);
  });

  test('package lists older than an hour are updated before the install; fresh ones are not', () => {
    const stale = install(machineWith(DOCKER_IMAGE_POLICY), [ABSENT_PACKAGE]);
    expect(stale.record.split('\n').filter((line) => line.startsWith('apt-get '))).toEqual([
      'apt-get update -qq',
      `apt-get install -y -qq ${ABSENT_PACKAGE}`,
    ]);
    const fresh = install(machineWith(DOCKER_IMAGE_POLICY, { freshLists: true }), [ABSENT_PACKAGE]);
    expect(fresh.record.split('\n').filter((line) => line.startsWith('apt-get '))).toEqual([`apt-get install -y -qq ${ABSENT_PACKAGE}`]);
  });

  test('installs only what dpkg does not list as installed, and nothing when all are', () => {
    // bash is Essential: every Debian machine has it installed.
    const some = install(machineWith(DOCKER_IMAGE_POLICY), ['bash', ABSENT_PACKAGE]);
    expect(some.record).toContain(`apt-get install -y -qq ${ABSENT_PACKAGE}\n`);
    const none = install(machineWith(ALLOWING_POLICY), ['bash']);
    expect(none.status).toBe(0);
    expect(none.record).toBe('');
  });
});
