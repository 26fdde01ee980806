// One jest config for the whole repo, split by tier (QUALITY.md): `*.spec.ts` unit tests touch
// no network or database, `*.int.spec.ts` use the real PostgreSQL and Redis, `*.e2e.spec.ts`
// drive the built apps as processes. @swc/jest keeps 2-core runs fast and emits the decorator
// metadata NestJS needs for dependency injection.
const { pathsToModuleNameMapper } = require('./test/paths-to-module-name-mapper');
const { compilerOptions } = require('./tsconfig.base.json');

const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

const common = {
  transform: { '^.+\\.ts$': swc },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, '<rootDir>/'),
  testEnvironment: 'node',
  rootDir: __dirname,
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/tmp/'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/dist/', '<rootDir>/tmp/', '/files/'],
};

module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['**/*.spec.ts'],
      testPathIgnorePatterns: [...common.testPathIgnorePatterns, '\\.int\\.spec\\.ts$', '\\.e2e\\.spec\\.ts$'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['**/*.int.spec.ts'],
      globalSetup: '<rootDir>/test/integration-global-setup.js',
      globalTeardown: '<rootDir>/test/integration-global-teardown.js',
      setupFiles: ['<rootDir>/test/integration-env.js'],
      setupFilesAfterEnv: ['<rootDir>/test/timeout-integration.js'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['**/*.e2e.spec.ts'],
      globalSetup: '<rootDir>/test/integration-global-setup.js',
      globalTeardown: '<rootDir>/test/integration-global-teardown.js',
      setupFiles: ['<rootDir>/test/integration-env.js'],
      setupFilesAfterEnv: ['<rootDir>/test/timeout-e2e.js'],
    },
  ],
};
