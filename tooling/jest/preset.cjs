// Shared jest preset: TypeScript through @swc/jest, workspace packages resolved
// to their sources through the "@logq/source" export condition.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  testEnvironmentOptions: {
    customExportConditions: ['@logq/source', 'node', 'require', 'default'],
  },
  transform: {
    '^.+\\.(t|j)sx?$': [
      require.resolve('@swc/jest'),
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: false },
          target: 'es2022',
          transform: { useDefineForClassFields: true },
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 30000,
  reporters: ['default', require.resolve('./summary-reporter.cjs')],
  // Locally jest warns about handles left open after a run (a leak to fix). In CI a leaked handle
  // must not hang the whole run until its deadline: every assertion has run by then.
  forceExit: process.env.CI === 'true',
};
