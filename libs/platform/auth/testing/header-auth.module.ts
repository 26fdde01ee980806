import { type CanActivate, type DynamicModule, type ExecutionContext, Global, Injectable, Module } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { ApiError } from '@hub/http';
import { IS_PUBLIC, type Principal, WorkspaceAccessService } from '../src';

/**
 * Auth for integration tests of the modules behind the admin API, which are not about auth: the
 * caller is whoever the `x-test-user` header names, and its role per workspace is what the test
 * granted. Answers as the real WorkspaceAccessService does (404 for a workspace the caller is
 * not a member of, 403 below the needed role), so tenant isolation and role checks stay tested.
 * Routes marked public (the OAuth callback) need no header.
 */
export type TestRole = 'owner' | 'admin' | 'viewer';

export const TEST_USER_HEADER = 'x-test-user';

const needRank = { read: 1, write: 2, owner: 3 } as const;
const roleRank: Record<TestRole, number> = { viewer: 1, admin: 2, owner: 3 };

/**
 * Who may do what in which workspace: user id -> workspace id -> role. One per test app, filled
 * by the test (`roles.set(user, new Map([[ws, 'admin']]))` or `roles.grant(user, ws, 'admin')`).
 */
export class TestRoles extends Map<string, Map<string, TestRole>> {
  grant(userId: string, workspaceId: string, role: TestRole): this {
    const roles = this.get(userId) ?? new Map<string, TestRole>();
    roles.set(workspaceId, role);
    return this.set(userId, roles);
  }

  roleOf(userId: string, workspaceId: string): TestRole | undefined {
    return this.get(userId)?.get(workspaceId);
  }
}

@Injectable()
class HeaderGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(ctx: ExecutionContext): boolean {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [ctx.getHandler(), ctx.getClass()])) return true;
    const req = ctx.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; user?: Principal }>();
    const userId = req.headers[TEST_USER_HEADER];
    if (!userId) throw ApiError.unauthorized();
    req.user = { userId, email: `${userId}@test`, isInstanceAdmin: false, tokenId: 't', tokenKind: 'api', tokenWorkspaceIds: null, tokenRole: null };
    return true;
  }
}

@Global()
@Module({})
export class HeaderAuthModule {
  static forRoot(roles: TestRoles): DynamicModule {
    const access = {
      async require(principal: Principal, workspaceId: string, need: keyof typeof needRank): Promise<TestRole> {
        const role = roles.roleOf(principal.userId, workspaceId);
        if (!role) throw ApiError.notFound('Workspace', 'WORKSPACE_NOT_FOUND');
        if (roleRank[role] < needRank[need]) throw ApiError.forbidden(`This needs the ${need} permission`, 'FORBIDDEN_ROLE');
        return role;
      },
    };
    return {
      module: HeaderAuthModule,
      providers: [{ provide: WorkspaceAccessService, useValue: access }, { provide: APP_GUARD, useClass: HeaderGuard }],
      exports: [WorkspaceAccessService],
    };
  }
}
