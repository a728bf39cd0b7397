/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // tsconfig's isolatedModules makes ts-jest transpile file by file (fast on 2 cores); `npm run build` type-checks.
  transform: { '^.+\\.ts$': 'ts-jest' },
  // One temporary folder per run, removed at the end (test/support/global-setup.ts says why).
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // Jest's default is one worker per core but one; most suites wait on dynalite, moto or a
  // synthesis, so two workers on this 2-core machine take the suite from ~75 s to ~47 s.
  maxWorkers: 2,
  // A hang guard, not a speed target (speed lives in `npm run bench`): with two workers on two
  // cores a dynalite test can take longer than Jest's default 5 s on a loaded machine.
  testTimeout: 30_000,
  // Coverage cannot slide: the run fails below these (measured 2026-12-01; raise them, never lower).
  collectCoverage: true,
  // A handler's index.ts only builds its clients from the environment, in Lambda; test/layout.test.ts bundles each.
  collectCoverageFrom: ['core/**/*.ts', 'lambdas/**/*.ts', 'infra/**/*.ts', 'simulator/**/*.ts', '!lambdas/*/index.ts'],
  coverageReporters: ['text-summary'],
  coverageThreshold: { global: { lines: 97, branches: 83 } },
};
