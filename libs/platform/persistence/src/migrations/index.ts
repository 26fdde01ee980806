import { InitialSchema1764000000000 } from './1764000000000-initial-schema';

/** Every migration, in order. A new migration is a new file here, never an edit of an old one. */
export const MIGRATIONS = [InitialSchema1764000000000];
