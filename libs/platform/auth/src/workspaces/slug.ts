import { randomBytes } from 'node:crypto';

/** Workspace slugs: lowercase letters, digits and dashes, 2-63 characters, not starting with a dash. */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;

/**
 * A slug from a workspace name: accents dropped, anything else that is not a letter or digit
 * becomes a dash. Names with nothing usable ("!!!", "日本") get a random slug instead.
 */
export function slugFromName(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return SLUG_PATTERN.test(slug) ? slug : `ws-${randomSuffix()}`;
}

/** The slug with a short random suffix, still within 63 characters (for clashes of derived slugs). */
export function withRandomSuffix(slug: string): string {
  const suffix = `-${randomSuffix()}`;
  return slug.slice(0, 63 - suffix.length).replace(/-+$/, '') + suffix;
}

const randomSuffix = () => randomBytes(3).toString('hex');
