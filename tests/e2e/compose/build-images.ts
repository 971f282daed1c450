/**
 * The compose suite's global setup: builds its images before any test of the run starts, so that
 * a cold build (minutes of pnpm install on 2 cores) does not compete with the other suites for
 * CPU. The suite's own `up --build` then finds every layer built.
 */
import { ComposeProject, dockerUnavailableReason, OFFLINE_ENV_FILE } from './compose-project';

export default async function buildImages(): Promise<void> {
  if (dockerUnavailableReason()) return;
  const project = await ComposeProject.create();
  process.stdout.write(`\n[compose] building the images (env files: ${ComposeProject.envFiles().join(', ')})...\n`);
  const build = await project.compose(['build'], 30 * 60_000);
  if (build.code !== 0) {
    const hint = ComposeProject.envFiles().includes(OFFLINE_ENV_FILE)
      ? ''
      : `\nIf this machine cannot pull from Docker Hub, build the base images first: tools/compose/offline-images.sh`;
    throw new Error(`docker compose build failed:\n${build.stderr.slice(-6000)}${hint}`);
  }
  process.stdout.write(`[compose report] images built in ${(build.ms / 1000).toFixed(1)} s\n`);
}
