import * as path from 'node:path';
import { generateFiles, getProjects, logger, names, type GeneratorCallback, type Tree } from '@nx/devkit';
import { AUTH_TYPES, CATEGORIES, type ConnectorGeneratorSchema } from './options';
import { addPathAlias, exportCatalog, registerInCatalog } from './workspace-edits';

// Same rule as the SDK's validateDefinition: the id is kebab-case and at most 64 characters.
const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const MAX_ID_LENGTH = 64;

export interface NormalizedOptions {
  id: string;
  auth: (typeof AUTH_TYPES)[number];
  category: (typeof CATEGORIES)[number];
  description: string;
  displayName: string;
  projectName: string;
  projectRoot: string;
  importPath: string;
  /** `acme-crm` -> `acmeCrmConnector`, the catalog's name for the definition. */
  symbol: string;
}

export function normalizeOptions(tree: Tree, options: ConnectorGeneratorSchema): NormalizedOptions {
  const id = (options.name ?? '').trim();
  if (!KEBAB.test(id) || id.length > MAX_ID_LENGTH) {
    throw new Error(
      `Invalid connector name "${id}": use kebab-case (lower-case letters and digits separated by single hyphens, ` +
        `starting with a letter, at most ${MAX_ID_LENGTH} characters), e.g. "acme-crm".`,
    );
  }
  if (id.startsWith('connector-')) {
    throw new Error(`Invalid connector name "${id}": leave out the "connector-" prefix; the project is named connector-<name>.`);
  }
  const auth = options.auth ?? 'none';
  if (!AUTH_TYPES.includes(auth)) {
    throw new Error(`Invalid --auth "${auth}": use one of ${AUTH_TYPES.join(', ')}.`);
  }
  const category = options.category ?? 'destination';
  if (!CATEGORIES.includes(category)) {
    throw new Error(`Invalid --category "${category}": use one of ${CATEGORIES.join(', ')}.`);
  }

  const projectName = `connector-${id}`;
  const projectRoot = `libs/connectors/${id}`;
  if (tree.exists(projectRoot)) {
    throw new Error(`Connector "${id}" already exists at ${projectRoot}. Pick another name or delete that folder first.`);
  }
  if (getProjects(tree).has(projectName)) {
    throw new Error(`An Nx project named "${projectName}" already exists. Pick another connector name.`);
  }

  const displayName = id
    .split('-')
    .map((word) => word[0].toUpperCase() + word.slice(1))
    .join(' ');
  return {
    id,
    auth,
    category,
    description: options.description?.trim() || `Connects the hub to ${displayName}.`,
    displayName,
    projectName,
    projectRoot,
    importPath: `@hub/connector-${id}`,
    symbol: `${names(id).propertyName}Connector`,
  };
}

export async function connectorGenerator(tree: Tree, options: ConnectorGeneratorSchema): Promise<GeneratorCallback> {
  const o = normalizeOptions(tree, options);

  generateFiles(tree, path.join(__dirname, 'files'), o.projectRoot, {
    ...o,
    fileName: o.id,
    offset: '../../../',
    // JSON.stringify gives a valid, quoted TypeScript string literal for any description.
    quote: (value: string) => `'${JSON.stringify(value).slice(1, -1).replace(/'/g, "\\'").replace(/\\"/g, '"')}'`,
    tmpl: '',
  });
  addPathAlias(tree, o.importPath, `${o.projectRoot}/src/index.ts`);
  registerInCatalog(tree, o.symbol, o.importPath);
  exportCatalog(tree);

  return () => {
    logger.info(
      `Connector "${o.id}" created in ${o.projectRoot} and registered in the catalog.\n` +
        `  Test it:  npx nx run ${o.projectName}:test\n` +
        `  Then replace the placeholder API calls in src/actions and src/jobs with ${o.displayName}'s real ones.`,
    );
  };
}

export default connectorGenerator;
