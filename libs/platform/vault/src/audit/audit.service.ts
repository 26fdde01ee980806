import { Injectable } from '@nestjs/common';
import { AuditEventEntity, keysetPage, readPageQuery, toPage } from '@hub/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import { VaultErrors } from '../vault.exception';

/** What the audit log records. Dotted `<target>.<verb>` names; add new ones here. */
export type AuditAction =
  | 'credential.created'
  | 'credential.deleted'
  | 'credential.connected'
  | 'credential.refresh_failed'
  /** The provider rotated the refresh token during a refresh. */
  | 'credential.rotated'
  /** `npm run vault:rotate` re-sealed the workspace's secrets under the active key. */
  | 'vault.keys_rotated'
  /** Recorded by @hub/auth in every workspace the user belongs to. */
  | 'auth.login'
  | 'installation.enabled'
  | 'installation.disabled';

export interface AuditEntry {
  workspaceId: string;
  /** null for the hub itself (a refresh job, a rotation). */
  actorUserId: string | null;
  action: AuditAction;
  targetType: string;
  targetId?: string | null;
  /** Never a secret: callers pass labels, types and ids only. */
  details?: Record<string, unknown>;
}

export interface AuditEventView {
  id: string;
  action: string;
  actorUserId: string | null;
  targetType: string;
  targetId: string | null;
  details: Record<string, unknown>;
  createdAt: string;
}

@Injectable()
export class AuditService {
  constructor(private readonly dataSource: DataSource) {}

  /** Pass the caller's transaction manager so the event commits (or not) with the change it records. */
  async record(entry: AuditEntry, manager: EntityManager = this.dataSource.manager): Promise<void> {
    await manager.query(
      `INSERT INTO audit_events (workspace_id, actor_user_id, action, target_type, target_id, details)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb)`,
      [entry.workspaceId, entry.actorUserId, entry.action, entry.targetType, entry.targetId ?? null, JSON.stringify(entry.details ?? {})],
    );
  }

  /** Newest first. */
  async list(workspaceId: string, query: { limit?: unknown; cursor?: unknown }): Promise<{ items: AuditEventView[]; nextCursor: string | null }> {
    const page = readPageQuery(query, (message) => VaultErrors.invalidCursor(message));
    const scope = this.dataSource.manager.createQueryBuilder(AuditEventEntity, 'a').where('a.workspace_id = :workspaceId', { workspaceId });
    const qb = keysetPage(scope, 'a', page, 'DESC');
    return toPage(await qb.getMany(), page.limit, (row) => ({
      id: row.id,
      action: row.action,
      actorUserId: row.actorUserId,
      targetType: row.targetType,
      targetId: row.targetId,
      details: row.details,
      createdAt: row.createdAt.toISOString(),
    }));
  }
}
