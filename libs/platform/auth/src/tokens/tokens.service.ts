import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { HUB_CONFIG, type HubEnv } from '@hub/config';
import { ApiTokenEntity, type MemberRole, type PageQuery, type TokenKind } from '@hub/persistence';
import type { Repository } from 'typeorm';
import { AuthErrors } from '../auth.exception';
import { isUuid } from '../ids';
import { pageOf } from '../paging';
import type { Principal } from '../principal';
import { roleAtMost } from '../roles';
import { generateToken, hashToken, looksLikeToken } from './token-codec';

export interface ApiTokenView {
  id: string;
  name: string;
  workspaceIds: string[] | null;
  role: MemberRole | null;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

export interface CreatedApiToken extends ApiTokenView {
  /** The bearer token itself: answered once, at creation, and never stored in the clear. */
  token: string;
}

export function apiTokenView(row: ApiTokenEntity): ApiTokenView {
  return {
    id: row.id,
    name: row.name,
    workspaceIds: row.workspaceIds,
    role: row.role,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  };
}

export interface NewApiToken {
  name: string;
  workspaceIds?: string[];
  role?: MemberRole;
}

/** `last_used_at` is a hint for people, not an audit log: written at most once a minute. */
export const LAST_USED_RESOLUTION_MS = 60_000;

interface TokenRow {
  id: string;
  kind: TokenKind;
  workspace_ids: string[] | null;
  role: MemberRole | null;
  last_used_at: Date | null;
  user_id: string;
  email: string;
  is_instance_admin: boolean;
}

/** Login sessions and API tokens. Both are bearer tokens in `api_tokens`, told apart by kind. */
@Injectable()
export class TokensService {
  constructor(
    @InjectRepository(ApiTokenEntity) private readonly tokens: Repository<ApiTokenEntity>,
    @Inject(HUB_CONFIG) private readonly config: HubEnv,
  ) {}

  /** A session for a user who just proved their password; lives HUB_SESSION_TTL_HOURS. */
  async createSession(userId: string): Promise<{ token: string; expiresAt: string }> {
    const token = generateToken('session');
    const expiresAt = new Date(Date.now() + this.config.HUB_SESSION_TTL_HOURS * 3_600_000);
    await this.tokens.insert({ userId, kind: 'session', name: 'login', tokenHash: hashToken(token), expiresAt });
    // Dead sessions only matter for a while (audit); drop this user's old ones so the table
    // does not grow with every login.
    await this.tokens
      .createQueryBuilder()
      .delete()
      .where(`user_id = :userId AND kind = 'session'`, { userId })
      .andWhere(`(expires_at < now() - interval '7 days' OR revoked_at < now() - interval '7 days')`)
      .execute();
    return { token, expiresAt: expiresAt.toISOString() };
  }

  /**
   * The principal behind a bearer token, or null when the token is junk, unknown, expired or
   * revoked. One indexed query (token_hash is unique) plus, at most once a minute, a write.
   */
  async authenticate(token: string): Promise<Principal | null> {
    if (!looksLikeToken(token)) return null;
    const rows = (await this.tokens.query(
      `SELECT t.id, t.kind, t.workspace_ids, t.role, t.last_used_at, u.id AS user_id, u.email, u.is_instance_admin
         FROM api_tokens t JOIN admin_users u ON u.id = t.user_id
        WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())`,
      [hashToken(token)],
    )) as TokenRow[];
    const row = rows[0];
    if (!row) return null;
    if (!row.last_used_at || Date.now() - row.last_used_at.getTime() >= LAST_USED_RESOLUTION_MS) {
      // The WHERE makes concurrent requests on several replicas write once, not once each.
      await this.tokens.query(
        `UPDATE api_tokens SET last_used_at = now()
          WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= now() - interval '1 minute')`,
        [row.id],
      );
    }
    return {
      userId: row.user_id,
      email: row.email,
      isInstanceAdmin: row.is_instance_admin,
      tokenId: row.id,
      tokenKind: row.kind,
      tokenWorkspaceIds: row.workspace_ids,
      tokenRole: row.role,
    };
  }

  /** Revokes the token a request came with (logout). */
  async revoke(tokenId: string): Promise<void> {
    await this.tokens
      .createQueryBuilder()
      .update()
      .set({ revokedAt: () => 'now()' })
      .where('id = :tokenId AND revoked_at IS NULL', { tokenId })
      .execute();
  }

  /** After a password change: every other login session of the user ends. */
  async revokeOtherSessions(userId: string, keepTokenId: string): Promise<void> {
    await this.tokens
      .createQueryBuilder()
      .update()
      .set({ revokedAt: () => 'now()' })
      .where(`user_id = :userId AND kind = 'session' AND id <> :keepTokenId AND revoked_at IS NULL`, { userId, keepTokenId })
      .execute();
  }

  /**
   * An API token for scripts. `workspaceIds` must be workspaces the caller is a member of
   * (checked by the caller of this method), and a token never grants more than the token that
   * creates it: it inherits the caller's workspace limit and role cap, and may only narrow them.
   */
  async createApiToken(principal: Principal, input: NewApiToken): Promise<CreatedApiToken> {
    let workspaceIds = input.workspaceIds ? [...new Set(input.workspaceIds.map((id) => id.toLowerCase()))] : null;
    if (principal.tokenWorkspaceIds) {
      const allowed = new Set(principal.tokenWorkspaceIds);
      if (workspaceIds && workspaceIds.some((id) => !allowed.has(id))) throw AuthErrors.workspaceNotFound();
      workspaceIds ??= [...principal.tokenWorkspaceIds];
    }
    let role = input.role ?? null;
    if (principal.tokenRole) {
      if (role && !roleAtMost(role, principal.tokenRole)) {
        throw AuthErrors.tokenScope(`This token is limited to the ${principal.tokenRole} role and cannot create a token with the ${role} role`);
      }
      role ??= principal.tokenRole;
    }
    const token = generateToken('api');
    const row = await this.tokens.save(
      this.tokens.create({ userId: principal.userId, kind: 'api', name: input.name, tokenHash: hashToken(token), workspaceIds, role }),
    );
    return { ...apiTokenView(row), token };
  }

  /** The caller's live API tokens (never sessions, never the secret). */
  list(userId: string, page: PageQuery): Promise<{ items: ApiTokenView[]; nextCursor: string | null }> {
    const qb = this.tokens
      .createQueryBuilder('t')
      .where(`t.user_id = :userId AND t.kind = 'api' AND t.revoked_at IS NULL`, { userId });
    return pageOf(qb, 't', page, apiTokenView);
  }

  /** Revokes one of the caller's API tokens; anyone else's answers 404 like a missing one. */
  async revokeApiToken(userId: string, tokenId: string): Promise<void> {
    if (!isUuid(tokenId)) throw AuthErrors.tokenNotFound();
    const result = await this.tokens
      .createQueryBuilder()
      .update()
      .set({ revokedAt: () => 'now()' })
      .where(`id = :tokenId AND user_id = :userId AND kind = 'api' AND revoked_at IS NULL`, { tokenId, userId })
      .execute();
    if (!result.affected) throw AuthErrors.tokenNotFound();
  }
}
