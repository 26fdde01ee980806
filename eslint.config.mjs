// Lint encodes the architecture of DESIGN.md: who may import whom is checked, not hoped for.
import nx from '@nx/eslint-plugin';

const platformPackages = [
  '@nestjs/*',
  'typeorm',
  'pg',
  'pg-*',
  'bullmq',
  'ioredis',
  'passport',
  'passport-*',
  '@hub/persistence',
  'nestjs-pino',
];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '**/tmp', '**/files/**', 'coverage', '.nx', 'tools/lint-fixtures/**'] },
  {
    files: ['**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allowCircularSelfDependency: false,
          depConstraints: [
            // The event model, SDK and testing kit depend on nothing of the hub's.
            { sourceTag: 'type:core', onlyDependOnLibsWithTags: ['type:core'], bannedExternalImports: platformPackages },
            // A connector sees the SDK and event model only: no NestJS, TypeORM, BullMQ, no
            // platform library, no other connector.
            {
              sourceTag: 'type:connector',
              onlyDependOnLibsWithTags: ['type:core'],
              bannedExternalImports: platformPackages,
            },
            // The catalog lists connectors for the host; platform code may not reach a connector.
            { sourceTag: 'type:catalog', onlyDependOnLibsWithTags: ['type:core', 'type:connector'] },
            { sourceTag: 'type:platform', onlyDependOnLibsWithTags: ['type:core', 'type:platform'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:core', 'type:platform', 'type:catalog'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:core', 'type:tool'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Connectors get configuration through validated settings, never the environment.
    files: ['libs/connectors/**/*.ts', 'libs/core/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Connectors and core libraries take settings from their context, never process.env.' },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'Connectors and core libraries must not touch process state.' }],
    },
  },
  {
    // Test setup in the testing kit may read the environment of the test process.
    files: ['**/*.spec.ts'],
    rules: { 'no-restricted-globals': 'off', 'no-restricted-properties': 'off' },
  },
];
