import { ApiError } from '@hub/http';
import type { z } from 'zod';

export enum ProfilesErrorCode {
  AccountNotFound = 'ACCOUNT_NOT_FOUND',
  ProfileUserNotFound = 'PROFILE_USER_NOT_FOUND',
  InvalidCursor = 'INVALID_CURSOR',
}

export const ProfilesErrors = {
  accountNotFound: () => ApiError.notFound('Account', ProfilesErrorCode.AccountNotFound),
  userNotFound: () => ApiError.notFound('User', ProfilesErrorCode.ProfileUserNotFound),
  invalidCursor: () =>
    ApiError.badRequest(ProfilesErrorCode.InvalidCursor, 'cursor is not valid; pass the nextCursor of a previous page'),
};

/** A query string or body checked with a zod schema: 400 VALIDATION_FAILED naming each bad field. */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown, what: 'Query' | 'Request body'): z.output<T> {
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  throw ApiError.validation(
    parsed.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.') || (issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : ''),
      message: issue.code === 'unrecognized_keys' ? `unknown parameter${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}` : issue.message,
    })),
    what,
  );
}
