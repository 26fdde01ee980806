import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { encodeCursor, type MemberRole, type PageQuery, WorkspaceMemberEntity } from '@hub/persistence';
import type { EntityManager, Repository } from 'typeorm';
import { AuthErrors } from '../auth.exception';
import { isUniqueViolation, isUuid } from '../ids';
import { AdminUsersService } from '../users/admin-users.service';

export interface MemberView {
  userId: string;
  email: string;
  role: MemberRole;
  createdAt: string;
}

interface MemberRow {
  user_id: string;
  email: string;
  role: MemberRole;
  created_at: Date;
}

const view = (row: MemberRow): MemberView => ({
  userId: row.user_id,
  email: row.email,
  role: row.role,
  createdAt: row.created_at.toISOString(),
});

/**
 * Members of one workspace. Callers have checked the caller's access (owners manage members);
 * every statement is scoped by workspace_id, so a user id from another workspace is a 404.
 */
@Injectable()
export class MembersService {
  constructor(
    @InjectRepository(WorkspaceMemberEntity) private readonly members: Repository<WorkspaceMemberEntity>,
    private readonly users: AdminUsersService,
  ) {}

  async list(workspaceId: string, page: PageQuery): Promise<{ items: MemberView[]; nextCursor: string | null }> {
    const params: unknown[] = [workspaceId, page.limit + 1];
    let after = '';
    if (page.after) {
      params.push(page.after.createdAt, page.after.id);
      after = ` AND (date_trunc('milliseconds', m.created_at), m.user_id) > ($3::timestamptz, $4::uuid)`;
    }
    const rows = (await this.members.query(
      `SELECT m.user_id, u.email, m.role, m.created_at
         FROM workspace_members m JOIN admin_users u ON u.id = m.user_id
        WHERE m.workspace_id = $1${after}
        ORDER BY date_trunc('milliseconds', m.created_at), m.user_id
        LIMIT $2`,
      params,
    )) as MemberRow[];
    const items = rows.slice(0, page.limit);
    const last = items.at(-1);
    return {
      items: items.map(view),
      nextCursor: rows.length > page.limit && last ? encodeCursor(last.created_at, last.user_id) : null,
    };
  }

  /** Adds an existing hub user; 404 USER_NOT_FOUND when no user has the email. */
  async add(workspaceId: string, input: { email: string; role: MemberRole }): Promise<MemberView> {
    const user = await this.users.findByEmail(input.email);
    if (!user) throw AuthErrors.userNotFound();
    try {
      await this.members.insert({ workspaceId, userId: user.id, role: input.role });
    } catch (err) {
      if (isUniqueViolation(err, 'workspace_members_pkey')) throw AuthErrors.memberExists();
      throw err;
    }
    return this.get(this.members.manager, workspaceId, user.id);
  }

  /** Changes a member's role; demoting the last owner is a 409 LAST_OWNER. */
  async changeRole(workspaceId: string, userId: string, role: MemberRole): Promise<MemberView> {
    if (!isUuid(userId)) throw AuthErrors.memberNotFound();
    return this.members.manager.transaction(async (tx) => {
      const current = await this.lockAndGet(tx, workspaceId, userId);
      if (current.role === 'owner' && role !== 'owner') await this.assertAnotherOwner(tx, workspaceId, userId);
      await tx.update(WorkspaceMemberEntity, { workspaceId, userId }, { role });
      return this.get(tx, workspaceId, userId);
    });
  }

  /** Removes a member; removing the last owner is a 409 LAST_OWNER. */
  async remove(workspaceId: string, userId: string): Promise<void> {
    if (!isUuid(userId)) throw AuthErrors.memberNotFound();
    await this.members.manager.transaction(async (tx) => {
      const current = await this.lockAndGet(tx, workspaceId, userId);
      if (current.role === 'owner') await this.assertAnotherOwner(tx, workspaceId, userId);
      await tx.delete(WorkspaceMemberEntity, { workspaceId, userId });
    });
  }

  /**
   * Locks the workspace row first: membership changes of one workspace then run one at a time,
   * so two owners demoting each other concurrently cannot leave the workspace without an owner.
   */
  private async lockAndGet(tx: EntityManager, workspaceId: string, userId: string): Promise<MemberView> {
    await tx.query('SELECT 1 FROM workspaces WHERE id = $1 FOR UPDATE', [workspaceId]);
    return this.get(tx, workspaceId, userId);
  }

  private async assertAnotherOwner(tx: EntityManager, workspaceId: string, userId: string): Promise<void> {
    const [{ others }] = (await tx.query(
      `SELECT count(*)::int AS others FROM workspace_members WHERE workspace_id = $1 AND role = 'owner' AND user_id <> $2`,
      [workspaceId, userId],
    )) as { others: number }[];
    if (others === 0) throw AuthErrors.lastOwner();
  }

  private async get(manager: EntityManager, workspaceId: string, userId: string): Promise<MemberView> {
    const rows = (await manager.query(
      `SELECT m.user_id, u.email, m.role, m.created_at
         FROM workspace_members m JOIN admin_users u ON u.id = m.user_id
        WHERE m.workspace_id = $1 AND m.user_id = $2`,
      [workspaceId, userId],
    )) as MemberRow[];
    if (!rows[0]) throw AuthErrors.memberNotFound();
    return view(rows[0]);
  }
}
