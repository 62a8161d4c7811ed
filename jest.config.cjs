/** Tests are TypeScript compiled to CommonJS by ts-jest (type-checking runs separately with tsc). */
module.exports = {
  testEnvironment: '<rootDir>/tests/helpers/sharedTypedArraysEnvironment.cjs',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: { module: 'commonjs', moduleResolution: 'node', esModuleInterop: true, isolatedModules: true, target: 'ES2022' }, diagnostics: false }],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/tests/helpers/summaryReporter.cjs'],
};
