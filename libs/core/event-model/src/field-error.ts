import type { z } from 'zod';

/** Same shape as the SDK's FieldError, kept here because the event model depends on nothing. */
export interface FieldError {
  /** Dotted path of the offending field, `''` for the whole message. */
  path: string;
  message: string;
}

export const fieldError = (path: string, message: string): FieldError => ({ path, message });

export function fromZodIssues(issues: readonly z.core.$ZodIssue[], rename?: (key: string) => string): FieldError[] {
  return issues.map((issue) => {
    const [head, ...rest] = issue.path.map(String);
    const path = head === undefined ? '' : [rename ? rename(head) : head, ...rest].join('.');
    return { path, message: issue.message };
  });
}
