// One jest run for the whole workspace. TypeScript is transformed by swc (TypeScript 7 has no
// compiler API for ts-jest); type checking is `pnpm lint`'s job (tsc --noEmit).
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'commonjs' } }],
};

/**
 * Suites that saturate both cores or start a stack of containers. Beside another suite, on 2
 * cores, each made both fail: the benchmark's saturation phase and the fuzz run (closed-loop,
 * all it can send) timed out requests of the outage suite (a p50 of 793 to 849 ms at 100 req/s, against
 * 35 ms alone), and the compose stack's six containers took 267 s to turn healthy. The
 * production-shape suites send thousands of requests through two tiers of Collectors and count
 * every span: contention there would read as spans lost.
 */
const WHOLE_MACHINE = [
  '<rootDir>/tests/e2e/compose/',
  '<rootDir>/tests/e2e/production/',
  '<rootDir>/tests/e2e/bench-smoke.test.ts',
  '<rootDir>/tests/e2e/fuzz.test.ts',
  '<rootDir>/tests/e2e/kubernetes/real-cluster.test.ts',
  '<rootDir>/tests/e2e/kubernetes/day-two.test.ts',
];

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 120_000,
  reporters: ['default', '<rootDir>/tests/summary-reporter.js'],
  // The e2e suites each start a whole topology and most send load at a fixed rate. On 2 cores,
  // with Jaeger writing to Badger, two at a time no longer fit: side by side the outage suites
  // timed out requests (p50 1.8 s at 100 req/s) that pass alone. One at a time, then.
  maxWorkers: 1,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform,
      testMatch: [
        '<rootDir>/packages/*/test/**/*.test.ts',
        '<rootDir>/services/*/test/**/*.test.ts',
        '<rootDir>/tools/*/test/**/*.test.ts',
      ],
    },
    {
      // Real processes: the built services, the locally built Collector and Jaeger.
      displayName: 'e2e',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/tests/e2e/**/*.test.ts'],
      setupFiles: ['<rootDir>/tests/e2e/binaries-from-go.js'],
      testPathIgnorePatterns: ['/node_modules/', ...WHOLE_MACHINE],
    },
    {
      // The suites that need the whole machine: `pnpm test` runs them after the others, one at a
      // time (--runInBand).
      displayName: 'alone',
      testEnvironment: 'node',
      transform,
      setupFiles: ['<rootDir>/tests/e2e/binaries-from-go.js'],
      testMatch: WHOLE_MACHINE.map((path) => (path.endsWith('/') ? `${path}**/*.test.ts` : path)),
      // docker compose up, as users run it, needs its images: built before any test of the run.
      globalSetup: '<rootDir>/tests/e2e/compose/build-images.ts',
    },
  ],
};
