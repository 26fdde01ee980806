import type { z } from 'zod';
import type { SubscriptionMapping } from './subscription.schemas';

export interface MappingProblem {
  path: string;
  message: string;
}

const PLACEHOLDER = 'mapped-at-run-time';

function setProbe(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof cur[key] !== 'object' || cur[key] === null) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]] = value;
}

/**
 * Checks a mapping against the action's input schema when it is saved: a probe input is built
 * (constants as given, path fields as a placeholder, since their values exist only at run time)
 * and parsed. What can be known now is reported, naming the mapping field: a field the action
 * does not have, a required field nothing maps, a constant of the wrong type. What depends on
 * the event's values is checked per event (an invalid result is recorded `dead` with its reason).
 */
export function mappingProblems(schema: z.ZodType, mapping: SubscriptionMapping): MappingProblem[] {
  const probe: Record<string, unknown> = {};
  const fromPaths: string[] = [];
  for (const [field, template] of Object.entries(mapping.fields)) {
    if ('value' in template) setProbe(probe, field, template.value);
    else {
      fromPaths.push(field);
      setProbe(probe, field, PLACEHOLDER);
    }
  }
  const parsed = schema.safeParse(probe);
  if (parsed.success) return [];
  const problems: MappingProblem[] = [];
  for (const issue of parsed.error.issues) {
    const at = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ path: `mapping.fields.${at ? `${at}.` : ''}${key}`, message: 'is not an input field of this action' });
      continue;
    }
    // The whole-input rules (size) and values that come from the event are checked per event.
    if (at === '' || fromPaths.some((f) => at === f || at.startsWith(`${f}.`) || f.startsWith(`${at}.`))) continue;
    const missing = issue.code === 'invalid_type' && issue.message.includes('required');
    problems.push({ path: `mapping.fields.${at}`, message: missing || resolveMissing(probe, at) ? 'is required by the action: map it' : issue.message });
  }
  return problems;
}

function resolveMissing(probe: Record<string, unknown>, path: string): boolean {
  let cur: unknown = probe;
  for (const key of path.split('.')) {
    if (typeof cur !== 'object' || cur === null || !(key in cur)) return true;
    cur = (cur as Record<string, unknown>)[key];
  }
  return false;
}
