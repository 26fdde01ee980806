import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { encodeCursor, type MemberRole, type PageQuery, WorkspaceEntity, WorkspaceMemberEntity } from '@hub/persistence';
import type { Repository } from 'typeorm';
import { AuthErrors } from '../auth.exception';
import { isUniqueViolation } from '../ids';
import type { Principal } from '../principal';
import { effectiveRole } from '../roles';
import { slugFromName, withRandomSuffix } from './slug';

export interface WorkspaceView {
  id: string;
  name: string;
  slug: string;
  /** The caller's role, capped by the token's role when the token has one. */
  role: MemberRole;
  createdAt: string;
  updatedAt: string;
}

interface WorkspaceRow {
  id: string;
  name: string;
  slug: string;
  role: MemberRole;
  created_at: Date;
  updated_at: Date;
}

const view = (row: WorkspaceRow, principal: Principal): WorkspaceView => ({
  id: row.id,
  name: row.name,
  slug: row.slug,
  role: effectiveRole(row.role, principal.tokenRole),
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

const SLUG_INDEX = 'workspaces_slug_key';
const DERIVED_SLUG_ATTEMPTS = 5;

/**
 * Workspaces as their members see them. Access (membership, role) is decided by
 * WorkspaceAccessService before these methods run; every query here is still scoped to the
 * caller's memberships so that a missed check cannot leak another workspace.
 */
@Injectable()
export class WorkspacesService {
  constructor(@InjectRepository(WorkspaceEntity) private readonly workspaces: Repository<WorkspaceEntity>) {}

  /** The workspaces the caller is a member of (and its token may see), oldest first. */
  async list(principal: Principal, page: PageQuery): Promise<{ items: WorkspaceView[]; nextCursor: string | null }> {
    const params: unknown[] = [principal.userId, page.limit + 1];
    let where = '';
    if (principal.tokenWorkspaceIds) {
      params.push(principal.tokenWorkspaceIds);
      where += ` AND w.id = ANY($${params.length}::uuid[])`;
    }
    if (page.after) {
      params.push(page.after.createdAt, page.after.id);
      where += ` AND (date_trunc('milliseconds', w.created_at), w.id) > ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
    }
    const rows = (await this.workspaces.query(
      `SELECT w.id, w.name, w.slug, m.role, w.created_at, w.updated_at
         FROM workspace_members m JOIN workspaces w ON w.id = m.workspace_id
        WHERE m.user_id = $1${where}
        ORDER BY date_trunc('milliseconds', w.created_at), w.id
        LIMIT $2`,
      params,
    )) as WorkspaceRow[];
    const items = rows.slice(0, page.limit);
    const last = items.at(-1);
    return {
      items: items.map((row) => view(row, principal)),
      nextCursor: rows.length > page.limit && last ? encodeCursor(last.created_at, last.id) : null,
    };
  }

  /** For GET /me: every workspace the caller can see, without paging. */
  async all(principal: Principal): Promise<WorkspaceView[]> {
    const rows = (await this.workspaces.query(
      `SELECT w.id, w.name, w.slug, m.role, w.created_at, w.updated_at
         FROM workspace_members m JOIN workspaces w ON w.id = m.workspace_id
        WHERE m.user_id = $1 AND ($2::uuid[] IS NULL OR w.id = ANY($2::uuid[]))
        ORDER BY w.created_at, w.id`,
      [principal.userId, principal.tokenWorkspaceIds],
    )) as WorkspaceRow[];
    return rows.map((row) => view(row, principal));
  }

  async get(principal: Principal, id: string): Promise<WorkspaceView> {
    const rows = (await this.workspaces.query(
      `SELECT w.id, w.name, w.slug, m.role, w.created_at, w.updated_at
         FROM workspace_members m JOIN workspaces w ON w.id = m.workspace_id
        WHERE m.user_id = $1 AND m.workspace_id = $2`,
      [principal.userId, id],
    )) as WorkspaceRow[];
    if (!rows[0]) throw AuthErrors.workspaceNotFound();
    return view(rows[0], principal);
  }

  /**
   * Creates a workspace with the caller as its owner, in one transaction. A slug given by the
   * caller that is taken is a 409; a slug derived from the name gets a random suffix instead,
   * because names need not be unique and the caller did not ask for that slug.
   */
  async create(principal: Principal, input: { name: string; slug?: string }): Promise<WorkspaceView> {
    const base = input.slug ?? slugFromName(input.name);
    for (let attempt = 0; ; attempt++) {
      const slug = input.slug || attempt === 0 ? base : withRandomSuffix(base);
      try {
        const id = await this.workspaces.manager.transaction(async (tx) => {
          const workspace = await tx.save(tx.create(WorkspaceEntity, { name: input.name, slug }));
          await tx.insert(WorkspaceMemberEntity, { workspaceId: workspace.id, userId: principal.userId, role: 'owner' });
          return workspace.id;
        });
        return this.get(principal, id);
      } catch (err) {
        if (!isUniqueViolation(err, SLUG_INDEX)) throw err;
        if (input.slug || attempt + 1 >= DERIVED_SLUG_ATTEMPTS) throw AuthErrors.slugTaken(slug);
      }
    }
  }

  async update(principal: Principal, id: string, patch: { name?: string; slug?: string }): Promise<WorkspaceView> {
    try {
      await this.workspaces
        .createQueryBuilder()
        .update()
        .set({ ...patch, updatedAt: () => 'now()' })
        .where('id = :id', { id })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err, SLUG_INDEX)) throw AuthErrors.slugTaken(patch.slug ?? '');
      throw err;
    }
    return this.get(principal, id);
  }

  /** Deletes the workspace and, by cascade, its members, installations, secrets and history. */
  async remove(id: string): Promise<void> {
    await this.workspaces.delete({ id });
  }
}
