import { ApiError } from '@hub/http';

/** Codes of the errors the auth, token, workspace and member routes answer with. */
export enum AuthErrorCode {
  Unauthenticated = 'UNAUTHENTICATED',
  InvalidCredentials = 'INVALID_CREDENTIALS',
  WrongPassword = 'WRONG_PASSWORD',
  WorkspaceNotFound = 'WORKSPACE_NOT_FOUND',
  ForbiddenRole = 'FORBIDDEN_ROLE',
  TokenScope = 'TOKEN_SCOPE',
  TokenNotFound = 'TOKEN_NOT_FOUND',
  UserNotFound = 'USER_NOT_FOUND',
  EmailTaken = 'EMAIL_TAKEN',
  SlugTaken = 'SLUG_TAKEN',
  MemberNotFound = 'MEMBER_NOT_FOUND',
  MemberExists = 'MEMBER_EXISTS',
  LastOwner = 'LAST_OWNER',
  InstanceAdminRequired = 'INSTANCE_ADMIN_REQUIRED',
  InvalidCursor = 'INVALID_CURSOR',
}

/**
 * The errors of this module, built in one place so that bodies which must be identical (wrong
 * password vs unknown email; another workspace vs a missing one) cannot drift apart.
 */
export const AuthErrors = {
  /** Missing, junk, expired and revoked tokens all answer this one body. */
  unauthenticated: () =>
    ApiError.unauthorized('Authentication required: send Authorization: Bearer <token> with a valid, unexpired token'),
  invalidCredentials: () => ApiError.unauthorized('Email or password is incorrect', AuthErrorCode.InvalidCredentials),
  wrongPassword: () => ApiError.badRequest(AuthErrorCode.WrongPassword, 'currentPassword is not your current password'),
  workspaceNotFound: () => ApiError.notFound('Workspace', AuthErrorCode.WorkspaceNotFound),
  forbiddenRole: (need: string) =>
    ApiError.forbidden(`This needs the "${need}" permission in the workspace, which your role (or your token) does not grant`, AuthErrorCode.ForbiddenRole),
  tokenScope: (what: string) => ApiError.forbidden(what, AuthErrorCode.TokenScope),
  tokenNotFound: () => ApiError.notFound('Token', AuthErrorCode.TokenNotFound),
  userNotFound: () =>
    new ApiError(
      404,
      AuthErrorCode.UserNotFound,
      'No hub user has this email; an instance admin can create the user with POST /api/v1/users first',
    ),
  emailTaken: () => ApiError.conflict(AuthErrorCode.EmailTaken, 'A hub user with this email already exists'),
  slugTaken: (slug: string) =>
    ApiError.conflict(AuthErrorCode.SlugTaken, `The slug "${slug}" is already used by another workspace; choose another`),
  memberNotFound: () => ApiError.notFound('Member', AuthErrorCode.MemberNotFound),
  memberExists: () =>
    ApiError.conflict(AuthErrorCode.MemberExists, 'This user is already a member; change the role with PATCH .../members/:userId'),
  lastOwner: () =>
    ApiError.conflict(AuthErrorCode.LastOwner, 'A workspace must keep at least one owner: make another member owner first'),
  instanceAdminRequired: () =>
    ApiError.forbidden('Only instance admins manage hub users', AuthErrorCode.InstanceAdminRequired),
  invalidCursor: (message: string) => ApiError.badRequest(AuthErrorCode.InvalidCursor, message),
};
