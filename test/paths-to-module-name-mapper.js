// Maps tsconfig `paths` (exact aliases such as `@hub/sdk`) to jest's moduleNameMapper.
function pathsToModuleNameMapper(paths, prefix) {
  const out = {};
  for (const [alias, targets] of Object.entries(paths)) {
    const escaped = alias.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    out[`^${escaped}$`] = prefix + targets[0];
  }
  return out;
}
module.exports = { pathsToModuleNameMapper };
