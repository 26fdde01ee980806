import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity('job_checkpoints')
export class JobCheckpointEntity {
  @PrimaryColumn('uuid', { name: 'installation_id' }) installationId: string;
  @PrimaryColumn('text', { name: 'job_key' }) jobKey: string;
  @Column('uuid', { name: 'workspace_id' }) workspaceId: string;
  @Column('jsonb') value: unknown;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
