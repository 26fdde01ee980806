import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { MemberRole } from '@hub/persistence';

/** Who is calling: resolved from the bearer token by the global auth guard. */
export interface Principal {
  userId: string;
  email: string;
  isInstanceAdmin: boolean;
  tokenId: string;
  tokenKind: 'session' | 'api';
  /** An API token may be limited to some workspaces (null: all the user's workspaces). */
  tokenWorkspaceIds: string[] | null;
  /** An API token may be capped to a role below the user's own (null: no cap). */
  tokenRole: MemberRole | null;
}

export const IS_PUBLIC = 'hub:isPublic';

/** Opts a route out of the global bearer-token guard (login, health, inbound hooks). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  const req = ctx.switchToHttp().getRequest<{ user?: Principal }>();
  if (!req.user) throw new Error('CurrentPrincipal used on a public route');
  return req.user;
});

/** What a route needs in a workspace: viewers read, admins write, owners manage members. */
export type Need = 'read' | 'write' | 'owner';
