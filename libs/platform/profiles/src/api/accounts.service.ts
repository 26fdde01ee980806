import { Injectable } from '@nestjs/common';
import { isUuid } from './keyset-cursor';
import { DataSource } from 'typeorm';
import { ProfilesErrors } from '../profiles.exception';
import { type EventView, traitSources } from './event-views';
import { EventsService } from './events.service';
import { cursorTime, decodeKeyset, pageOf, prefixPattern } from './keyset-cursor';
import type { AccountsQuery } from './profiles.schemas';

export interface AccountView {
  id: string;
  groupId: string;
  name: string | null;
  traits: Record<string, unknown>;
  memberCount: number;
  firstSeenAt: string;
  lastSeenAt: string;
}

export interface AccountMemberView {
  id: string;
  userId: string | null;
  email: string | null;
  linkedAt: string;
}

export interface AccountDetailView extends AccountView {
  traitSources: ReturnType<typeof traitSources>;
  members: AccountMemberView[];
  recentEvents: EventView[];
}

interface AccountRow {
  id: string;
  group_id: string;
  name: string | null;
  traits: Record<string, unknown>;
  trait_meta: Record<string, unknown>;
  member_count: string;
  first_seen_at: Date;
  last_seen_at: Date;
  cursor_at: string;
}

const COLUMNS = `a.id, a.group_id, a.name, a.traits, a.first_seen_at, a.last_seen_at, ${cursorTime('a.created_at')} AS cursor_at,
  (SELECT count(*) FROM profile_memberships m WHERE m.account_id = a.id AND m.linked) AS member_count`;

const toView = (row: AccountRow): AccountView => ({
  id: row.id,
  groupId: row.group_id,
  name: row.name,
  traits: row.traits,
  memberCount: Number(row.member_count),
  firstSeenAt: row.first_seen_at.toISOString(),
  lastSeenAt: row.last_seen_at.toISOString(),
});

/** Shown in an account's view; the full list is `GET .../users?accountId=`. */
const MEMBERS_SHOWN = 100;

@Injectable()
export class AccountsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: EventsService,
  ) {}

  /** Newest first; `q` matches a name prefix (any case) or a groupId prefix. */
  async list(workspaceId: string, query: AccountsQuery): Promise<{ items: AccountView[]; nextCursor: string | null }> {
    const after = decodeKeyset(query.cursor, ['time', 'uuid']);
    const params: unknown[] = [workspaceId];
    const where = ['a.workspace_id = $1'];
    if (query.q) {
      params.push(prefixPattern(query.q.toLowerCase()), prefixPattern(query.q));
      where.push(`(lower(a.name) LIKE $${params.length - 1} OR a.group_id LIKE $${params.length})`);
    }
    if (after) {
      params.push(after[0], after[1]);
      where.push(`(a.created_at, a.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    const rows = (await this.dataSource.query(
      `SELECT ${COLUMNS} FROM profile_accounts a WHERE ${where.join(' AND ')}
       ORDER BY a.created_at DESC, a.id DESC LIMIT ${query.limit + 1}`,
      params,
    )) as AccountRow[];
    return pageOf(rows, query.limit, (row) => [row.cursor_at, row.id], toView);
  }

  async get(workspaceId: string, id: string): Promise<AccountDetailView> {
    const [row] = isUuid(id)
      ? ((await this.dataSource.query(`SELECT ${COLUMNS}, a.trait_meta FROM profile_accounts a WHERE a.workspace_id = $1 AND a.id = $2`, [
          workspaceId,
          id,
        ])) as AccountRow[])
      : [];
    if (!row) throw ProfilesErrors.accountNotFound();
    const members = (await this.dataSource.query(
      `SELECT u.id, u.user_id, u.email, m.changed_at FROM profile_memberships m
       JOIN profile_users u ON u.id = m.user_profile_id
       WHERE m.account_id = $1 AND m.linked AND u.workspace_id = $2
       ORDER BY m.created_at, m.user_profile_id LIMIT ${MEMBERS_SHOWN}`,
      [row.id, workspaceId],
    )) as { id: string; user_id: string | null; email: string | null; changed_at: Date }[];
    return {
      ...toView(row),
      traitSources: traitSources(row.trait_meta),
      members: members.map((m) => ({ id: m.id, userId: m.user_id, email: m.email, linkedAt: m.changed_at.toISOString() })),
      recentEvents: await this.events.recentForAccount(workspaceId, row.id),
    };
  }
}
