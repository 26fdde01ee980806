import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type MemberRole, WorkspaceMemberEntity } from '@hub/persistence';
import type { Repository } from 'typeorm';
import { AuthErrors } from '../auth.exception';
import { isUuid } from '../ids';
import type { Need, Principal } from '../principal';
import { effectiveRole, roleAllows } from '../roles';

/**
 * The one gate of every workspace-scoped route. Instance admins get no bypass: workspace data is
 * visible only to members, so instance-admin status never weakens tenant isolation.
 */
@Injectable()
export class WorkspaceAccessService {
  constructor(@InjectRepository(WorkspaceMemberEntity) private readonly members: Repository<WorkspaceMemberEntity>) {}

  /**
   * The role the caller acts with in the workspace (the member's role capped by the token's).
   * 404 WORKSPACE_NOT_FOUND when the id is not a UUID, the workspace does not exist, the caller is
   * not a member or the token is limited to other workspaces: all four answer the same body.
   * 403 FORBIDDEN_ROLE when that role does not allow `need`.
   */
  async require(principal: Principal, workspaceId: string, need: Need): Promise<MemberRole> {
    const role = await this.roleIn(principal, workspaceId);
    if (!role) throw AuthErrors.workspaceNotFound();
    if (!roleAllows(role, need)) throw AuthErrors.forbiddenRole(need);
    return role;
  }

  /** Like `require` without a need: the effective role, or null when the caller cannot see it. */
  async roleIn(principal: Principal, workspaceId: string): Promise<MemberRole | null> {
    if (!isUuid(workspaceId)) return null;
    const id = workspaceId.toLowerCase();
    if (principal.tokenWorkspaceIds && !principal.tokenWorkspaceIds.includes(id)) return null;
    // Primary-key lookup; the membership row cannot outlive its workspace (ON DELETE CASCADE),
    // so it also proves the workspace exists.
    const member = await this.members.findOne({
      select: { role: true },
      where: { workspaceId: id, userId: principal.userId },
    });
    return member ? effectiveRole(member.role, principal.tokenRole) : null;
  }

  /** 404 WORKSPACE_NOT_FOUND unless the caller can see every one of `workspaceIds`. */
  async requireAll(principal: Principal, workspaceIds: readonly string[]): Promise<void> {
    const ids = [...new Set(workspaceIds.map((id) => id.toLowerCase()))];
    if (ids.length === 0) return;
    if (!ids.every(isUuid)) throw AuthErrors.workspaceNotFound();
    if (principal.tokenWorkspaceIds && ids.some((id) => !principal.tokenWorkspaceIds?.includes(id))) {
      throw AuthErrors.workspaceNotFound();
    }
    const found = await this.members
      .createQueryBuilder('m')
      .where('m.user_id = :userId AND m.workspace_id = ANY(:ids::uuid[])', { userId: principal.userId, ids })
      .getCount();
    if (found !== ids.length) throw AuthErrors.workspaceNotFound();
  }
}
