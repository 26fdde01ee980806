import { parseJson, updateJson, type Tree } from '@nx/devkit';

/*
 * Edits to shared files are made as text insertions so a generator run leaves a one-line diff:
 * re-serializing tsconfig.base.json (no formatter is installed) would reflow the whole file.
 * Every edit is idempotent: running it twice changes nothing the second time.
 */

export const CATALOG_FILE = 'libs/platform/catalog/src/connectors.ts';
export const CATALOG_INDEX = 'libs/platform/catalog/src/index.ts';
const CATALOG_MARKER = '/* generated entries */';
const CATALOG_ARRAY = /export const connectors: ConnectorDefinition\[\] = \[([\s\S]*?)\];/;

const EMPTY_CATALOG = `import type { ConnectorDefinition } from '@hub/sdk';

export const connectors: ConnectorDefinition[] = [
  ${CATALOG_MARKER}
];
`;

/** Index of the `}` closing the `{` at `open`, skipping strings. */
function closingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
    } else if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return i;
  }
  return -1;
}

/** Adds `alias -> [target]` to tsconfig.base.json paths; an identical alias is left alone. */
export function addPathAlias(tree: Tree, alias: string, target: string, file = 'tsconfig.base.json'): 'added' | 'unchanged' {
  const text = tree.read(file, 'utf-8');
  if (text === null) throw new Error(`${file} not found: cannot add the import alias ${alias}.`);
  const existing = (parseJson(text) as { compilerOptions?: { paths?: Record<string, string[]> } }).compilerOptions?.paths?.[alias];
  if (existing) {
    if (existing.length === 1 && existing[0] === target) return 'unchanged';
    throw new Error(`${file} already maps ${alias} to ${JSON.stringify(existing)}, not to ${target}. Remove or fix that alias first.`);
  }

  const key = /"paths"\s*:\s*\{/.exec(text);
  const open = key ? key.index + key[0].length - 1 : -1;
  const close = open >= 0 ? closingBrace(text, open) : -1;
  const body = close > 0 ? text.slice(open + 1, close) : '';
  const lastEntryEnd = body.trimEnd().length;
  const indent = /\n([ \t]+)"/.exec(body)?.[1];
  if (indent && lastEntryEnd > 0) {
    const at = open + 1 + lastEntryEnd;
    const updated = `${text.slice(0, at)},\n${indent}${JSON.stringify(alias)}: [${JSON.stringify(target)}]${text.slice(at)}`;
    const check = (parseJson(updated) as { compilerOptions?: { paths?: Record<string, string[]> } }).compilerOptions?.paths;
    if (check?.[alias]?.[0] === target) {
      tree.write(file, updated);
      return 'added';
    }
  }
  // An empty or single-line paths object has no layout worth keeping.
  updateJson(tree, file, (json) => {
    json.compilerOptions ??= {};
    json.compilerOptions.paths ??= {};
    json.compilerOptions.paths[alias] = [target];
    return json;
  });
  return 'added';
}

/** Registers `symbol` from `importPath` in the host's catalog, creating the catalog if needed. */
export function registerInCatalog(tree: Tree, symbol: string, importPath: string): 'added' | 'unchanged' {
  let text = tree.read(CATALOG_FILE, 'utf-8') ?? EMPTY_CATALOG;
  const before = text;

  const escaped = importPath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  if (!new RegExp(`from '${escaped}';`).test(text)) {
    const importLine = `import { ${symbol} } from '${importPath}';\n`;
    const imports = [...text.matchAll(/^import [^;]*;\n/gm)];
    const last = imports[imports.length - 1];
    const at = last ? last.index + last[0].length : 0;
    text = text.slice(0, at) + importLine + text.slice(at);
  }

  const array = CATALOG_ARRAY.exec(text);
  if (!array) {
    throw new Error(
      `${CATALOG_FILE} has no "export const connectors: ConnectorDefinition[] = [...];" to add ${symbol} to. Restore that declaration.`,
    );
  }
  const entries = array[1];
  const listed = entries
    .replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')
    .split(',')
    .map((entry) => entry.trim());
  if (!listed.includes(symbol)) {
    const bodyStart = array.index + array[0].length - '];'.length - entries.length;
    const marker = entries.indexOf(CATALOG_MARKER);
    let updatedEntries: string;
    if (!entries.includes('\n')) {
      // A one-line list is laid out again, one entry per line, keeping the marker last.
      const lines = [...listed.filter(Boolean), symbol].map((entry) => `  ${entry},\n`).join('');
      updatedEntries = `\n${lines}  ${CATALOG_MARKER}\n`;
    } else if (marker >= 0) {
      const lineStart = entries.lastIndexOf('\n', marker) + 1;
      const indent = entries.slice(lineStart, marker);
      updatedEntries = `${entries.slice(0, lineStart)}${indent}${symbol},\n${entries.slice(lineStart)}`;
    } else {
      const trimmed = entries.trimEnd();
      const separator = trimmed.trim() === '' || trimmed.endsWith(',') ? '' : ',';
      updatedEntries = `${trimmed}${separator}\n  ${symbol},\n`;
    }
    text = text.slice(0, bodyStart) + updatedEntries + text.slice(bodyStart + entries.length);
  }

  if (text === before && tree.exists(CATALOG_FILE)) return 'unchanged';
  tree.write(CATALOG_FILE, text);
  return 'added';
}

/** Makes the catalog library export its connector list. */
export function exportCatalog(tree: Tree): void {
  const text = tree.read(CATALOG_INDEX, 'utf-8');
  const line = "export * from './connectors';\n";
  if (text === null || text.trim() === '' || text.trim() === 'export {};') {
    tree.write(CATALOG_INDEX, line);
  } else if (!/from '\.\/connectors'/.test(text)) {
    tree.write(CATALOG_INDEX, `${text.endsWith('\n') ? text : `${text}\n`}${line}`);
  }
}
