import type { FieldProblem } from '@hub/http';
import { toJsonSchema, type SettingsSchema } from '@hub/sdk';

/**
 * Gated settings: a connector marks a field with `.meta({ hubGate: '<HUB_VARIABLE>' })` when only
 * a platform engineer may allow it (segment-source's `endpoint`, for tests and local stand-ins).
 * The connector cannot read the environment, so the host does: a gated field with a value is
 * refused on save (400 naming it) and at run time (ConfigurationError) unless that hub variable
 * is a boolean `true` in the validated config. An unknown variable name counts as closed.
 */
export function settingGates(schema: SettingsSchema): Map<string, string> {
  const json = toJsonSchema(schema) as { properties?: Record<string, { hubGate?: unknown }> };
  const gates = new Map<string, string>();
  for (const [key, prop] of Object.entries(json.properties ?? {})) {
    if (typeof prop?.hubGate === 'string') gates.set(key, prop.hubGate);
  }
  return gates;
}

export function gateProblems(schema: SettingsSchema, values: Record<string, unknown>, config: object): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const [key, gate] of settingGates(schema)) {
    const value = values[key];
    if (value === undefined || value === null || value === '') continue;
    if ((config as Record<string, unknown>)[gate] === true) continue;
    problems.push({ path: `settings.${key}`, message: `is refused on this hub: set ${gate}=true to allow it (tests and local stand-ins only)` });
  }
  return problems;
}
