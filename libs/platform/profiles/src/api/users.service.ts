import { Injectable } from '@nestjs/common';
import { isUuid } from './keyset-cursor';
import { DataSource } from 'typeorm';
import { ProfilesErrors } from '../profiles.exception';
import { traitSources } from './event-views';
import { cursorTime, decodeKeyset, pageOf, prefixPattern } from './keyset-cursor';
import type { UsersQuery } from './profiles.schemas';

export interface UserView {
  id: string;
  userId: string | null;
  anonymousIds: string[];
  email: string | null;
  traits: Record<string, unknown>;
  accountIds: string[];
  firstSeenAt: string;
  lastSeenAt: string;
}

export interface UserDetailView extends UserView {
  traitSources: ReturnType<typeof traitSources>;
}

interface UserRow {
  id: string;
  user_id: string | null;
  email: string | null;
  traits: Record<string, unknown>;
  trait_meta: Record<string, unknown>;
  anonymous_ids: string[];
  account_ids: string[];
  first_seen_at: Date;
  last_seen_at: Date;
  cursor_at: string;
}

// Accounts most recently linked first: the first one is the one events fall back to.
const COLUMNS = `u.id, u.user_id, u.email, u.traits, u.first_seen_at, u.last_seen_at, ${cursorTime('u.created_at')} AS cursor_at,
  ARRAY(SELECT ai.anonymous_id FROM profile_anonymous_ids ai WHERE ai.profile_id = u.id ORDER BY ai.anonymous_id) AS anonymous_ids,
  ARRAY(SELECT m.account_id FROM profile_memberships m WHERE m.user_profile_id = u.id AND m.linked
        ORDER BY m.changed_at DESC, m.account_id) AS account_ids`;

const toView = (row: UserRow): UserView => ({
  id: row.id,
  userId: row.user_id,
  anonymousIds: row.anonymous_ids,
  email: row.email,
  traits: row.traits,
  accountIds: row.account_ids,
  firstSeenAt: row.first_seen_at.toISOString(),
  lastSeenAt: row.last_seen_at.toISOString(),
});

@Injectable()
export class UsersService {
  constructor(private readonly dataSource: DataSource) {}

  /** Newest first; `q` matches an email prefix (any case) or a userId prefix; `accountId` keeps its members. */
  async list(workspaceId: string, query: UsersQuery): Promise<{ items: UserView[]; nextCursor: string | null }> {
    const after = decodeKeyset(query.cursor, ['time', 'uuid']);
    const params: unknown[] = [workspaceId];
    const where = ['u.workspace_id = $1'];
    if (query.q) {
      params.push(prefixPattern(query.q.toLowerCase()), prefixPattern(query.q));
      where.push(`(lower(u.email) LIKE $${params.length - 1} OR u.user_id LIKE $${params.length})`);
    }
    if (query.accountId) {
      params.push(query.accountId);
      where.push(
        `EXISTS (SELECT 1 FROM profile_memberships m WHERE m.user_profile_id = u.id AND m.account_id = $${params.length}::uuid AND m.linked)`,
      );
    }
    if (after) {
      params.push(after[0], after[1]);
      where.push(`(u.created_at, u.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    const rows = (await this.dataSource.query(
      `SELECT ${COLUMNS} FROM profile_users u WHERE ${where.join(' AND ')}
       ORDER BY u.created_at DESC, u.id DESC LIMIT ${query.limit + 1}`,
      params,
    )) as UserRow[];
    return pageOf(rows, query.limit, (row) => [row.cursor_at, row.id], toView);
  }

  async get(workspaceId: string, id: string): Promise<UserDetailView> {
    const [row] = isUuid(id)
      ? ((await this.dataSource.query(`SELECT ${COLUMNS}, u.trait_meta FROM profile_users u WHERE u.workspace_id = $1 AND u.id = $2`, [
          workspaceId,
          id,
        ])) as UserRow[])
      : [];
    if (!row) throw ProfilesErrors.userNotFound();
    return { ...toView(row), traitSources: traitSources(row.trait_meta) };
  }
}
