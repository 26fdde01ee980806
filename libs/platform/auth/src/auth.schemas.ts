import { MEMBER_ROLES, type MemberRole } from '@hub/persistence';
import { z } from 'zod';
import { SLUG_PATTERN } from './workspaces/slug';

// Bodies are strict: an unknown field is a 400 naming it (API.md).

const email = z.string().trim().min(3).max(320);
const role = z.enum(MEMBER_ROLES as [MemberRole, ...MemberRole[]]);

/** Login accepts any string as email: a malformed one simply does not match an account. */
export const loginBody = z
  .object({
    email,
    // Bounded so one request cannot make scrypt chew on megabytes.
    password: z.string().min(1).max(1024),
  })
  .strict();
export type LoginBody = z.output<typeof loginBody>;

export const createTokenBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    workspaceIds: z.array(z.uuid()).min(1).max(100).optional(),
    role: role.optional(),
  })
  .strict();
export type CreateTokenBody = z.output<typeof createTokenBody>;

const workspaceName = z.string().trim().min(1).max(200);
const slug = z.string().regex(SLUG_PATTERN, 'must be 2-63 lowercase letters, digits or dashes, starting with a letter or digit');

export const createWorkspaceBody = z.object({ name: workspaceName, slug: slug.optional() }).strict();
export type CreateWorkspaceBody = z.output<typeof createWorkspaceBody>;

export const updateWorkspaceBody = z
  .object({ name: workspaceName.optional(), slug: slug.optional() })
  .strict()
  .refine((body) => body.name !== undefined || body.slug !== undefined, 'give at least one of name, slug');
export type UpdateWorkspaceBody = z.output<typeof updateWorkspaceBody>;

export const addMemberBody = z.object({ email, role }).strict();
export type AddMemberBody = z.output<typeof addMemberBody>;

export const changeMemberBody = z.object({ role }).strict();
export type ChangeMemberBody = z.output<typeof changeMemberBody>;

const newPassword = z.string().min(12, 'must be at least 12 characters').max(1024);

export const changePasswordBody = z.object({ currentPassword: z.string().min(1).max(1024), newPassword }).strict();
export type ChangePasswordBody = z.output<typeof changePasswordBody>;

export const createUserBody = z
  .object({
    email: z.email().max(320),
    password: newPassword,
    isInstanceAdmin: z.boolean().optional(),
  })
  .strict();
export type CreateUserBody = z.output<typeof createUserBody>;

/** A zod schema as the JSON Schema @ApiBody wants (OpenAPI 3.0 dialect, no `$schema`). */
export function openApiSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
