/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // tsconfig's isolatedModules makes ts-jest transpile file by file (fast on 2 cores); `npm run build` type-checks.
  transform: { '^.+\\.ts$': 'ts-jest' },
  setupFilesAfterEnv: ['aws-sdk-client-mock-jest'],
};
