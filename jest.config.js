// One jest run for the whole workspace. TypeScript is transformed by swc (TypeScript 7 has no
// compiler API for ts-jest); type checking is `pnpm lint`'s job (tsc --noEmit).
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'commonjs' } }],
};

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 120_000,
  reporters: ['default', '<rootDir>/tests/summary-reporter.js'],
  // The e2e suites each start a whole topology; two at a time is what 2 cores carry well.
  maxWorkers: 2,
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
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/tests/e2e/compose/'],
    },
    {
      // docker compose up, as users run it: needs a Docker engine (in CI it must have one).
      // `pnpm test` runs it after the others, alone: six containers beside a suite that starts
      // six processes of its own made both slow on 2 cores (p50 247 ms instead of 3 ms).
      displayName: 'compose',
      testEnvironment: 'node',
      transform,
      testMatch: ['<rootDir>/tests/e2e/compose/**/*.test.ts'],
      globalSetup: '<rootDir>/tests/e2e/compose/build-images.ts',
    },
  ],
};
