import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { CredentialEntity, keysetPage, readPageQuery, toPage } from '@hub/persistence';
import type { Credentials } from '@hub/sdk';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { isUuid } from '../ids';
import { REFRESH_SKEW_MS, TokenRefresher } from '../refresh/token-refresh.service';
import { SecretBox } from '../secret-box';
import { CredentialNeedsReauthError, CredentialNotFoundError, VaultErrors } from '../vault.exception';
import { openCredential, sealCredential, toSdkCredentials } from './credential-secrets';
import { type CredentialView, toCredentialView } from './credential-view';
import type { CreateCredentialBody, SealedSecrets } from './credentials.schemas';

/** What the host needs to check that a credential fits a connector, without opening it. */
export interface CredentialSummary {
  id: string;
  type: CredentialEntity['type'];
  provider: string | null;
  label: string;
  status: CredentialEntity['status'];
}

/** Tokens from a finished OAuth flow. */
export interface ConnectedTokens {
  provider: string;
  label: string;
  metadata: Record<string, string>;
  accessToken: string;
  refreshToken?: string;
  expiresAt?: string;
}

/**
 * Credentials of a workspace. Secrets are sealed at this edge (AES-256-GCM, AAD naming the
 * workspace and the credential) and leave it only through `resolve`, for a running connector.
 * Every query is scoped by workspace: another workspace's credential is answered like a missing one.
 */
@Injectable()
export class CredentialsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly box: SecretBox,
    private readonly audit: AuditService,
    private readonly refresher: TokenRefresher,
  ) {}

  async list(workspaceId: string, query: { limit?: unknown; cursor?: unknown }): Promise<{ items: CredentialView[]; nextCursor: string | null }> {
    const page = readPageQuery(query, (message) => VaultErrors.invalidCursor(message));
    const scope = this.dataSource.manager.createQueryBuilder(CredentialEntity, 'c').where('c.workspace_id = :workspaceId', { workspaceId });
    const qb = keysetPage(scope, 'c', page, 'ASC');
    return toPage(await qb.getMany(), page.limit, toCredentialView);
  }

  async get(workspaceId: string, id: string): Promise<CredentialView> {
    return toCredentialView(await this.find(workspaceId, id));
  }

  async create(
    workspaceId: string,
    body: CreateCredentialBody,
    actorUserId: string | null,
    action: 'credential.created' | 'credential.connected' = 'credential.created',
  ): Promise<CredentialView> {
    const row = await this.dataSource.transaction((tx) => this.insert(tx, workspaceId, body, actorUserId, action));
    return toCredentialView(row);
  }

  /**
   * Stores the tokens of a finished OAuth flow. With an installation: when it already uses an
   * oauth2 credential of the same provider, that credential gets the new tokens in place
   * (reconnecting heals every installation sharing it); otherwise a new credential is linked.
   * Enabled installations waiting for this (`needs_attention`) are set back to `ok`.
   */
  async connect(workspaceId: string, tokens: ConnectedTokens, actorUserId: string, installationId: string | null): Promise<CredentialView> {
    const row = await this.dataSource.transaction(async (tx) => {
      const [installation] = installationId
        ? ((await tx.query(`SELECT id, credential_id FROM installations WHERE id = $1 AND workspace_id = $2 FOR UPDATE`, [
            installationId,
            workspaceId,
          ])) as { id: string; credential_id: string | null }[])
        : [];
      const current = installation?.credential_id
        ? await tx
            .createQueryBuilder(CredentialEntity, 'c')
            .setLock('pessimistic_write')
            .where(`c.id = :id AND c.workspace_id = :workspaceId AND c.type = 'oauth2' AND c.provider = :provider`, {
              id: installation.credential_id,
              workspaceId,
              provider: tokens.provider,
            })
            .getOne()
        : null;
      const secrets: SealedSecrets = {
        type: 'oauth2',
        accessToken: tokens.accessToken,
        ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}),
      };
      let saved: CredentialEntity;
      if (current) {
        await tx.update(
          CredentialEntity,
          { id: current.id, workspaceId },
          {
            ...sealCredential(this.box, workspaceId, current.id, secrets),
            metadata: tokens.metadata,
            expiresAt: tokens.expiresAt ? new Date(tokens.expiresAt) : null,
            status: 'active',
            statusMessage: null,
            refreshedAt: () => 'now()',
          },
        );
        await this.audit.record(
          {
            workspaceId,
            actorUserId,
            action: 'credential.connected',
            targetType: 'credential',
            targetId: current.id,
            details: { type: 'oauth2', provider: tokens.provider, label: current.label, reconnected: true, installationId },
          },
          tx,
        );
        saved = await tx.findOneByOrFail(CredentialEntity, { id: current.id, workspaceId });
      } else {
        const body: CreateCredentialBody = {
          type: 'oauth2',
          provider: tokens.provider,
          label: tokens.label,
          metadata: tokens.metadata,
          secrets: { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, expiresAt: tokens.expiresAt },
        };
        saved = await this.insert(tx, workspaceId, body, actorUserId, 'credential.connected', installation ? { installationId } : {});
        if (installation) {
          await tx.query(`UPDATE installations SET credential_id = $1, updated_at = now() WHERE id = $2 AND workspace_id = $3`, [
            saved.id,
            installation.id,
            workspaceId,
          ]);
        }
      }
      await tx.query(
        `UPDATE installations SET status = 'ok', status_message = $3, updated_at = now()
          WHERE workspace_id = $1 AND credential_id = $2 AND enabled AND status = 'needs_attention'`,
        [workspaceId, saved.id, `Connected as "${saved.label}"; the next run uses the new tokens`],
      );
      return saved;
    });
    return toCredentialView(row);
  }

  private async insert(
    tx: EntityManager,
    workspaceId: string,
    body: CreateCredentialBody,
    actorUserId: string | null,
    action: 'credential.created' | 'credential.connected',
    extraDetails: Record<string, unknown> = {},
  ): Promise<CredentialEntity> {
    const id = randomUUID();
    const expiresAt = body.type === 'oauth2' && body.secrets.expiresAt ? new Date(body.secrets.expiresAt) : null;
    await tx.insert(CredentialEntity, {
      id,
      workspaceId,
      type: body.type,
      provider: body.provider ?? null,
      label: body.label,
      status: 'active',
      metadata: body.metadata ?? {},
      ...sealCredential(this.box, workspaceId, id, toSealedSecrets(body)),
      expiresAt,
    });
    await this.audit.record(
      {
        workspaceId,
        actorUserId,
        action,
        targetType: 'credential',
        targetId: id,
        details: { type: body.type, provider: body.provider ?? null, label: body.label, ...extraDetails },
      },
      tx,
    );
    return tx.findOneByOrFail(CredentialEntity, { id, workspaceId });
  }

  async remove(workspaceId: string, id: string, actorUserId: string | null): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      if (!isUuid(id)) throw VaultErrors.credentialNotFound();
      const row = await tx
        .createQueryBuilder(CredentialEntity, 'c')
        .setLock('pessimistic_write')
        .where('c.id = :id AND c.workspace_id = :workspaceId', { id, workspaceId })
        .getOne();
      if (!row) throw VaultErrors.credentialNotFound();
      const [{ n }] = (await tx.query(
        `SELECT count(*)::int AS n FROM installations WHERE workspace_id = $1 AND credential_id = $2`,
        [workspaceId, id],
      )) as { n: number }[];
      if (n > 0) throw VaultErrors.credentialInUse(n);
      await tx.delete(CredentialEntity, { id, workspaceId });
      await this.audit.record(
        {
          workspaceId,
          actorUserId,
          action: 'credential.deleted',
          targetType: 'credential',
          targetId: id,
          details: { type: row.type, provider: row.provider, label: row.label },
        },
        tx,
      );
    });
  }

  /**
   * Decrypted credentials for a connector run, in the SDK's shape; OAuth tokens that expire
   * within a minute are refreshed first (single-flight, see TokenRefresher). Throws
   * `CredentialNotFoundError`, `CredentialNeedsReauthError`, `CredentialRefreshError`, or
   * `CredentialIntegrityError` (code CREDENTIAL_INTEGRITY_FAILED) when the ciphertext was
   * tampered with or moved from another row. The result must not be stored, logged or put into a job.
   */
  async resolve(workspaceId: string, credentialId: string): Promise<Credentials> {
    if (!isUuid(workspaceId) || !isUuid(credentialId)) throw new CredentialNotFoundError(credentialId);
    const row = await this.dataSource.manager.findOneBy(CredentialEntity, { id: credentialId, workspaceId });
    if (!row) throw new CredentialNotFoundError(credentialId);
    if (row.status === 'needs_reauth') throw new CredentialNeedsReauthError(credentialId);
    const secrets = openCredential(this.box, row);
    if (secrets.type === 'oauth2' && row.expiresAt && row.expiresAt.getTime() - Date.now() <= REFRESH_SKEW_MS) {
      return this.refresher.refreshExpiring(workspaceId, credentialId);
    }
    return toSdkCredentials(secrets, row.metadata);
  }

  /**
   * The provider answered 401 to `rejectedAccessToken`: fresh credentials, refreshed once across
   * all processes (a caller whose token was already replaced gets the new one without a refresh).
   */
  refreshAfterRejection(workspaceId: string, credentialId: string, rejectedAccessToken: string): Promise<Credentials> {
    if (!isUuid(workspaceId) || !isUuid(credentialId)) return Promise.reject(new CredentialNotFoundError(credentialId));
    return this.refresher.refreshRejected(workspaceId, credentialId, rejectedAccessToken);
  }

  /** Type, provider and status of a credential of the workspace (null when there is none), secrets left sealed. */
  async summary(workspaceId: string, credentialId: string): Promise<CredentialSummary | null> {
    if (!isUuid(workspaceId) || !isUuid(credentialId)) return null;
    const row = await this.dataSource.manager.findOne(CredentialEntity, {
      select: { id: true, type: true, provider: true, label: true, status: true },
      where: { id: credentialId, workspaceId },
    });
    return row ? { id: row.id, type: row.type, provider: row.provider, label: row.label, status: row.status } : null;
  }

  private async find(workspaceId: string, id: string): Promise<CredentialEntity> {
    if (!isUuid(id)) throw VaultErrors.credentialNotFound();
    const row = await this.dataSource.manager.findOneBy(CredentialEntity, { id, workspaceId });
    if (!row) throw VaultErrors.credentialNotFound();
    return row;
  }
}

function toSealedSecrets(body: CreateCredentialBody): SealedSecrets {
  switch (body.type) {
    case 'apiKey':
      return { type: 'apiKey', apiKey: body.secrets.apiKey };
    case 'basic':
      return { type: 'basic', username: body.secrets.username, password: body.secrets.password };
    case 'oauth2':
      return {
        type: 'oauth2',
        accessToken: body.secrets.accessToken,
        ...(body.secrets.refreshToken ? { refreshToken: body.secrets.refreshToken } : {}),
      };
  }
}
