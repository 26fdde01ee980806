import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type InstallationStatus =
  | 'ok'
  | 'needs_attention'
  | 'disabled'
  | 'waiting_for_first_message'
  | 'receiving';

/** A connector installed in a workspace. Secret settings live in `installation_secrets`. */
@Entity('installations')
export class InstallationEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'workspace_id' }) workspaceId: string;
  @Column('text', { name: 'connector_id' }) connectorId: string;
  @Column('text', { name: 'connector_version' }) connectorVersion: string;
  @Column('text') name: string;
  @Column('jsonb', { default: {} }) settings: Record<string, unknown>;
  @Column('boolean', { default: false }) enabled: boolean;
  @Column('text', { default: 'disabled' }) status: InstallationStatus;
  @Column('text', { name: 'status_message', nullable: true }) statusMessage: string | null;
  @Column('uuid', { name: 'credential_id', nullable: true }) credentialId: string | null;
  @Column('timestamptz', { name: 'last_check_at', nullable: true }) lastCheckAt: Date | null;
  @Column('timestamptz', { name: 'last_event_at', nullable: true }) lastEventAt: Date | null;
  /** Received messages per type and per drop reason, kept by the profiles drain; never written through TypeORM. */
  @Column({ type: 'jsonb', name: 'event_counts', insert: false, update: false }) eventCounts: Record<string, number>;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
