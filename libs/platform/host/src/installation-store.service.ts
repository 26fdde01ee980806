import { Injectable } from '@nestjs/common';
import { InstallationEntity, InstallationSecretEntity } from '@hub/persistence';
import { CredentialIntegrityError, installationSecretsAad, SecretBox } from '@hub/vault';
import { DataSource, type EntityManager, In } from 'typeorm';

/**
 * Installations and their sealed secrets. Every read and write names the workspace: an id from
 * another workspace finds nothing. Secrets are sealed with AAD bound to (workspace, installation),
 * so a ciphertext copied to another row does not open.
 */
@Injectable()
export class InstallationStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly box: SecretBox,
  ) {}

  find(workspaceId: string, id: string, manager: EntityManager = this.dataSource.manager): Promise<InstallationEntity | null> {
    return manager.findOne(InstallationEntity, { where: { id, workspaceId } });
  }

  /** Locks the row for a read-merge-write (two PATCHes must not lose each other's changes). */
  findForUpdate(manager: EntityManager, workspaceId: string, id: string): Promise<InstallationEntity | null> {
    return manager.findOne(InstallationEntity, { where: { id, workspaceId }, lock: { mode: 'pessimistic_write' } });
  }

  async loadSecrets(workspaceId: string, id: string, manager: EntityManager = this.dataSource.manager): Promise<Record<string, unknown>> {
    const row = await manager.findOne(InstallationSecretEntity, { where: { installationId: id, workspaceId } });
    return row ? this.open(row) : {};
  }

  /**
   * Names of the secrets set per installation, for masking. Decrypting is the only way to know
   * which optional secrets are set without storing their names in the clear; a row that cannot
   * be opened (key removed from the keyring) is reported as null.
   */
  async secretNames(workspaceId: string, ids: string[]): Promise<Map<string, string[] | null>> {
    const names = new Map<string, string[] | null>();
    if (ids.length === 0) return names;
    const rows = await this.dataSource.manager.find(InstallationSecretEntity, { where: { workspaceId, installationId: In(ids) } });
    for (const row of rows) {
      try {
        names.set(row.installationId, Object.keys(this.open(row)));
      } catch (err) {
        if (!(err instanceof CredentialIntegrityError)) throw err;
        names.set(row.installationId, null);
      }
    }
    return names;
  }

  async saveSecrets(manager: EntityManager, workspaceId: string, id: string, secrets: Record<string, unknown>): Promise<void> {
    if (Object.keys(secrets).length === 0) {
      await manager.delete(InstallationSecretEntity, { installationId: id, workspaceId });
      return;
    }
    const sealed = this.box.sealJson(secrets, installationSecretsAad(workspaceId, id));
    await manager.upsert(
      InstallationSecretEntity,
      { installationId: id, workspaceId, keyId: sealed.keyId, iv: sealed.iv, ciphertext: sealed.ciphertext, authTag: sealed.authTag },
      ['installationId'],
    );
  }

  private open(row: InstallationSecretEntity): Record<string, unknown> {
    return this.box.openJson<Record<string, unknown>>(
      { keyId: row.keyId, iv: row.iv, ciphertext: row.ciphertext, authTag: row.authTag },
      installationSecretsAad(row.workspaceId, row.installationId),
    );
  }
}
