import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type CredentialType = 'apiKey' | 'basic' | 'oauth2';
export type CredentialStatus = 'active' | 'needs_reauth';

/**
 * A workspace's credential. The id is chosen before sealing because the ciphertext's additional
 * authenticated data names it (`credential:v1:<ws>:<id>`). `metadata` is never secret.
 */
@Entity('credentials')
export class CredentialEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'workspace_id' }) workspaceId: string;
  @Column('text') type: CredentialType;
  @Column('text', { nullable: true }) provider: string | null;
  @Column('text') label: string;
  @Column('text', { default: 'active' }) status: CredentialStatus;
  @Column('jsonb', { default: {} }) metadata: Record<string, string>;
  @Column('text', { name: 'key_id' }) keyId: string;
  @Column('bytea') iv: Buffer;
  @Column('bytea') ciphertext: Buffer;
  @Column('bytea', { name: 'auth_tag' }) authTag: Buffer;
  @Column('timestamptz', { name: 'expires_at', nullable: true }) expiresAt: Date | null;
  @Column('timestamptz', { name: 'refreshed_at', nullable: true }) refreshedAt: Date | null;
  /** Why the credential needs an admin (`needs_reauth`); never a secret. */
  @Column('text', { name: 'status_message', nullable: true }) statusMessage: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
