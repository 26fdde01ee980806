import { readJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { connectorGenerator } from './generator';
import { addPathAlias, CATALOG_FILE, CATALOG_INDEX, registerInCatalog } from './workspace-edits';

// The real tsconfig.base.json is hand-formatted; a generator run must only add one line to it.
const TSCONFIG = `{
  "compilerOptions": {
    "lib": ["ES2023"],
    "paths": {
      "@hub/sdk": ["libs/core/sdk/src/index.ts"],
      "@hub/connector-example": ["libs/connectors/example/src/index.ts"]
    }
  },
  "exclude": ["node_modules"]
}
`;

function workspace(): Tree {
  const tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
  tree.write('tsconfig.base.json', TSCONFIG);
  tree.write(CATALOG_INDEX, 'export {};\n');
  return tree;
}

const root = 'libs/connectors/acme-crm';

describe('connector generator', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = workspace();
  });

  it('creates the library with its project, package, tsconfigs, definition, action, job and tests', async () => {
    await connectorGenerator(tree, { name: 'acme-crm', auth: 'apiKey' });

    expect(readJson(tree, `${root}/project.json`)).toEqual({
      name: 'connector-acme-crm',
      $schema: '../../../node_modules/nx/schemas/project-schema.json',
      sourceRoot: 'libs/connectors/acme-crm/src',
      projectType: 'library',
      tags: ['type:connector'],
      targets: { lint: {}, typecheck: {}, test: {}, build: {} },
    });
    expect(readJson(tree, `${root}/package.json`)).toMatchObject({ name: '@hub/connector-acme-crm', main: 'src/index.ts' });
    expect(readJson(tree, `${root}/tsconfig.json`).extends).toBe('../../../tsconfig.base.json');
    expect(readJson(tree, `${root}/tsconfig.lib.json`)).toMatchObject({
      compilerOptions: { outDir: '../../../dist/libs/connectors/acme-crm' },
      exclude: ['src/**/*.spec.ts'],
    });
    const files = [
      'src/index.ts',
      'src/acme-crm.settings.ts',
      'src/acme-crm.connector.ts',
      'src/acme-crm.connector.spec.ts',
      'src/actions/send-ping.action.ts',
      'src/jobs/sync-records.job.ts',
    ];
    for (const file of files) {
      const text = tree.read(`${root}/${file}`, 'utf-8');
      expect(text).toBeTruthy();
      expect(text).not.toMatch(/<%|%>|__fileName__/);
    }
    expect(tree.read(`${root}/src/index.ts`, 'utf-8')).toBe("export { acmeCrmConnector } from './acme-crm.connector';\n");

    const connector = tree.read(`${root}/src/acme-crm.connector.ts`, 'utf-8');
    expect(connector).toContain("id: 'acme-crm',");
    expect(connector).toContain("version: '0.1.0',");
    expect(connector).toContain("name: 'Acme Crm',");
    expect(connector).toContain("auth: { type: 'apiKey', label: 'API key' },");
    expect(connector).toContain('actions: { sendPing },');
    expect(connector).toContain('jobs: { syncRecords },');
    expect(tree.read(`${root}/src/acme-crm.settings.ts`, 'utf-8')).toContain('apiKey: secret(');
  });

  it('declares OAuth 2.0 with the connector as provider and no key setting', async () => {
    await connectorGenerator(tree, { name: 'acme-crm', auth: 'oauth2', category: 'enrichment' });
    const connector = tree.read(`${root}/src/acme-crm.connector.ts`, 'utf-8');
    expect(connector).toContain("auth: { type: 'oauth2', provider: 'acme-crm', scopes: [] },");
    expect(connector).toContain("category: 'enrichment',");
    expect(connector).toContain('Reconnect Acme Crm');
    for (const file of ['src/acme-crm.settings.ts', 'src/actions/send-ping.action.ts', 'src/jobs/sync-records.job.ts']) {
      expect(tree.read(`${root}/${file}`, 'utf-8')).not.toMatch(/apiKey|authHeaders/);
    }
    expect(tree.read(`${root}/src/acme-crm.connector.spec.ts`, 'utf-8')).toContain('"authorization": "Bearer test-access-token"');
  });

  it('defaults to auth none and quotes a custom description safely', async () => {
    await connectorGenerator(tree, { name: 'acme-crm', description: `Acme's "CRM" \\ sync` });
    const connector = tree.read(`${root}/src/acme-crm.connector.ts`, 'utf-8');
    expect(connector).toContain("auth: { type: 'none' },");
    expect(connector).toContain(`description: 'Acme\\'s "CRM" \\\\ sync',`);
    expect(tree.read(`${root}/src/acme-crm.connector.spec.ts`, 'utf-8')).not.toContain('authorization');
  });

  it('adds the import alias as one new line, keeping the file layout', async () => {
    await connectorGenerator(tree, { name: 'acme-crm', auth: 'none' });
    expect(tree.read('tsconfig.base.json', 'utf-8')).toBe(
      TSCONFIG.replace(
        '"@hub/connector-example": ["libs/connectors/example/src/index.ts"]',
        '"@hub/connector-example": ["libs/connectors/example/src/index.ts"],\n' +
          '      "@hub/connector-acme-crm": ["libs/connectors/acme-crm/src/index.ts"]',
      ),
    );
  });

  it('leaves an identical alias alone and refuses a conflicting one', async () => {
    await connectorGenerator(tree, { name: 'example', auth: 'apiKey' });
    expect(tree.read('tsconfig.base.json', 'utf-8')).toBe(TSCONFIG);

    tree.write(
      'tsconfig.base.json',
      TSCONFIG.replace('"@hub/sdk"', '"@hub/connector-acme-crm": ["somewhere/else.ts"],\n      "@hub/sdk"'),
    );
    await expect(connectorGenerator(tree, { name: 'acme-crm' })).rejects.toThrow(
      'tsconfig.base.json already maps @hub/connector-acme-crm to ["somewhere/else.ts"]',
    );
  });

  it('adds an alias to an empty paths object', () => {
    tree.write('tsconfig.base.json', '{"compilerOptions":{"paths":{}}}');
    expect(addPathAlias(tree, '@hub/connector-x', 'libs/connectors/x/src/index.ts')).toBe('added');
    expect(readJson(tree, 'tsconfig.base.json').compilerOptions.paths).toEqual({
      '@hub/connector-x': ['libs/connectors/x/src/index.ts'],
    });
  });

  it('creates the catalog and registers each connector once, in order', async () => {
    await connectorGenerator(tree, { name: 'acme-crm', auth: 'apiKey' });
    await connectorGenerator(tree, { name: 'zeta', auth: 'oauth2' });
    expect(tree.read(CATALOG_FILE, 'utf-8')).toBe(`import type { ConnectorDefinition } from '@hub/sdk';
import { acmeCrmConnector } from '@hub/connector-acme-crm';
import { zetaConnector } from '@hub/connector-zeta';

export const connectors: ConnectorDefinition[] = [
  acmeCrmConnector,
  zetaConnector,
  /* generated entries */
];
`);
    expect(tree.read(CATALOG_INDEX, 'utf-8')).toBe("export * from './connectors';\n");
  });

  it('registers in the catalog idempotently', () => {
    expect(registerInCatalog(tree, 'acmeCrmConnector', '@hub/connector-acme-crm')).toBe('added');
    const once = tree.read(CATALOG_FILE, 'utf-8');
    expect(registerInCatalog(tree, 'acmeCrmConnector', '@hub/connector-acme-crm')).toBe('unchanged');
    expect(tree.read(CATALOG_FILE, 'utf-8')).toBe(once);
    expect(once?.match(/acmeCrmConnector/g)).toHaveLength(2);
  });

  it('adds to a one-line catalog list and to one without the marker', () => {
    tree.write(
      CATALOG_FILE,
      "import type { ConnectorDefinition } from '@hub/sdk';\nimport { a } from 'a';\n\nexport const connectors: ConnectorDefinition[] = [ a, /* generated entries */ ];\n",
    );
    registerInCatalog(tree, 'bConnector', '@hub/connector-b');
    expect(tree.read(CATALOG_FILE, 'utf-8')).toContain(
      "import { bConnector } from '@hub/connector-b';\n\nexport const connectors: ConnectorDefinition[] = [\n  a,\n  bConnector,\n  /* generated entries */\n];",
    );

    tree.write(CATALOG_FILE, "import type { ConnectorDefinition } from '@hub/sdk';\n\nexport const connectors: ConnectorDefinition[] = [\n  a\n];\n");
    registerInCatalog(tree, 'bConnector', '@hub/connector-b');
    expect(tree.read(CATALOG_FILE, 'utf-8')).toContain('= [\n  a,\n  bConnector,\n];');
  });

  it('refuses a catalog without the connectors array', () => {
    tree.write(CATALOG_FILE, 'export const somethingElse = 1;\n');
    expect(() => registerInCatalog(tree, 'bConnector', '@hub/connector-b')).toThrow('has no "export const connectors');
  });

  it('keeps other exports of the catalog index', async () => {
    tree.write(CATALOG_INDEX, "export * from './other';\n");
    await connectorGenerator(tree, { name: 'acme-crm' });
    await connectorGenerator(tree, { name: 'zeta' });
    expect(tree.read(CATALOG_INDEX, 'utf-8')).toBe("export * from './other';\nexport * from './connectors';\n");
  });

  it('refuses a name that already exists', async () => {
    await connectorGenerator(tree, { name: 'acme-crm', auth: 'apiKey' });
    await expect(connectorGenerator(tree, { name: 'acme-crm', auth: 'apiKey' })).rejects.toThrow(
      'Connector "acme-crm" already exists at libs/connectors/acme-crm',
    );
  });

  it('refuses a project name taken elsewhere', async () => {
    tree.write('libs/other/project.json', JSON.stringify({ name: 'connector-acme-crm', root: 'libs/other' }));
    await expect(connectorGenerator(tree, { name: 'acme-crm' })).rejects.toThrow(
      'An Nx project named "connector-acme-crm" already exists',
    );
  });

  it.each(['AcmeCrm', 'acme_crm', 'acme--crm', '-acme', 'acme-', '1acme', '', 'a'.repeat(65)])(
    'refuses the name %j with a clear message',
    async (name) => {
      await expect(connectorGenerator(tree, { name })).rejects.toThrow(/Invalid connector name .*kebab-case/);
      expect(tree.exists('libs/connectors')).toBe(false);
    },
  );

  it('refuses the connector- prefix', async () => {
    await expect(connectorGenerator(tree, { name: 'connector-acme' })).rejects.toThrow('leave out the "connector-" prefix');
  });

  it('refuses an unknown auth type', async () => {
    await expect(connectorGenerator(tree, { name: 'acme-crm', auth: 'basic' as never })).rejects.toThrow(
      'Invalid --auth "basic": use one of none, apiKey, oauth2.',
    );
  });
});
