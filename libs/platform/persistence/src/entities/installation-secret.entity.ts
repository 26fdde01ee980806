import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity('installation_secrets')
export class InstallationSecretEntity {
  @PrimaryColumn('uuid', { name: 'installation_id' }) installationId: string;
  @Column('uuid', { name: 'workspace_id' }) workspaceId: string;
  @Column('text', { name: 'key_id' }) keyId: string;
  @Column('bytea') iv: Buffer;
  @Column('bytea') ciphertext: Buffer;
  @Column('bytea', { name: 'auth_tag' }) authTag: Buffer;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
