/**
 * users-service, a real service of the demo, in the two other forms the bootstrap promises to hold
 * for: bundled with esbuild by the recipe (its `pnpm bundle`), and run from its TypeScript source
 * by Node 26 (its `pnpm dev`, without --watch). Each keeps the whole trace contract, and starts
 * with no self-check warning.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT, Stack } from '@demo/stack';
import { expectContractKept, localTarget } from '../contract-suite';
import { TRACE_CONTRACTS } from '../trace-contracts';
import { selfCheckLines } from './fixture';

const USERS_SERVICE = join(REPO_ROOT, 'services/users-service');

const FORMS = [
  {
    name: 'bundled with esbuild (pnpm bundle)',
    entry: 'dist/bundle/server.mjs',
    make: () => execFileSync(process.execPath, ['bundle.mjs'], { cwd: USERS_SERVICE, stdio: 'pipe' }),
  },
  { name: 'from its TypeScript source (Node 26 type stripping)', entry: 'src/server.ts', make: () => undefined },
];

describe.each(FORMS)('users-service $name', ({ entry, make }) => {
  let stack: Stack;

  beforeAll(async () => {
    make();
    stack = await Stack.start({ ports: 'free', startFor: { 'users-service': { preloadFlag: '--import', entry } } });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  test('runs that file', () => {
    expect(stack.process('users-service').spec.args.at(-1)).toBe(entry);
  });

  test.each(Object.entries(TRACE_CONTRACTS))('contract %s holds', async (_name, contract) => {
    await expectContractKept(localTarget(stack), contract);
  });

  test('starts with no self-check warning', async () => {
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(selfCheckLines(stack.process('users-service').logs)).toEqual([]);
  });
});
