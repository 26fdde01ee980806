import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { CredentialEntity, InvalidCursorError, parsePageQuery, toPage } from '@hub/persistence';
import type { Credentials } from '@hub/sdk';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { isUuid } from '../ids';
import { credentialAad, SecretBox } from '../secret-box';
import { CredentialNeedsReauthError, CredentialNotFoundError, VaultErrors } from '../vault.exception';
import { type CredentialView, toCredentialView } from './credential-view';
import type { CreateCredentialBody, SealedSecrets } from './credentials.schemas';

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
  ) {}

  async list(workspaceId: string, query: { limit?: unknown; cursor?: unknown }): Promise<{ items: CredentialView[]; nextCursor: string | null }> {
    let page;
    try {
      page = parsePageQuery(query);
    } catch (err) {
      if (err instanceof InvalidCursorError) throw VaultErrors.invalidCursor(err.message);
      throw err;
    }
    const qb = this.dataSource.manager
      .createQueryBuilder(CredentialEntity, 'c')
      .where('c.workspace_id = :workspaceId', { workspaceId })
      .orderBy('c.created_at', 'ASC')
      .addOrderBy('c.id', 'ASC')
      .limit(page.limit + 1);
    if (page.after) {
      // Cursors carry milliseconds; Postgres keeps microseconds, so compare at the cursor's precision.
      qb.andWhere(`(date_trunc('milliseconds', c.created_at), c.id) > (:afterAt::timestamptz, :afterId::uuid)`, {
        afterAt: page.after.createdAt,
        afterId: page.after.id,
      });
    }
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
    const id = randomUUID();
    const sealed = this.box.sealJson(toSealedSecrets(body), credentialAad(workspaceId, id));
    const expiresAt = body.type === 'oauth2' && body.secrets.expiresAt ? new Date(body.secrets.expiresAt) : null;
    const row = await this.dataSource.transaction(async (tx) => {
      await tx.insert(CredentialEntity, {
        id,
        workspaceId,
        type: body.type,
        provider: body.provider ?? null,
        label: body.label,
        status: 'active',
        metadata: body.metadata ?? {},
        keyId: sealed.keyId,
        iv: sealed.iv,
        ciphertext: sealed.ciphertext,
        authTag: sealed.authTag,
        expiresAt,
      });
      await this.audit.record(
        {
          workspaceId,
          actorUserId,
          action,
          targetType: 'credential',
          targetId: id,
          details: { type: body.type, provider: body.provider ?? null, label: body.label },
        },
        tx,
      );
      return tx.findOneByOrFail(CredentialEntity, { id, workspaceId });
    });
    return toCredentialView(row);
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
   * Decrypted credentials for a connector run, in the SDK's shape. Throws
   * `CredentialNotFoundError`, `CredentialNeedsReauthError`, or `CredentialIntegrityError`
   * (code CREDENTIAL_INTEGRITY_FAILED) when the ciphertext was tampered with or moved from
   * another row. The result must not be stored, logged or put into a job.
   */
  async resolve(workspaceId: string, credentialId: string): Promise<Credentials> {
    if (!isUuid(workspaceId) || !isUuid(credentialId)) throw new CredentialNotFoundError(credentialId);
    const row = await this.dataSource.manager.findOneBy(CredentialEntity, { id: credentialId, workspaceId });
    if (!row) throw new CredentialNotFoundError(credentialId);
    if (row.status === 'needs_reauth') throw new CredentialNeedsReauthError(credentialId);
    const secrets = this.box.openJson<SealedSecrets>(
      { keyId: row.keyId, iv: row.iv, ciphertext: row.ciphertext, authTag: row.authTag },
      credentialAad(row.workspaceId, row.id),
    );
    switch (secrets.type) {
      case 'apiKey':
        return { type: 'apiKey', apiKey: secrets.apiKey };
      case 'basic':
        return { type: 'basic', username: secrets.username, password: secrets.password };
      case 'oauth2':
        return { type: 'oauth2', accessToken: secrets.accessToken, metadata: { ...row.metadata } };
    }
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
