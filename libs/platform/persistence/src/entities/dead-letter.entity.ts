import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A job that failed for good: kept with its reason until an admin replays or deletes it. */
@Entity('dead_letters')
export class DeadLetterEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'workspace_id' }) workspaceId: string;
  @Column('uuid', { name: 'installation_id', nullable: true }) installationId: string | null;
  @Column('text') queue: string;
  @Column('text', { name: 'job_name' }) jobName: string;
  /** Ids only, never secrets (job payloads carry ids). */
  @Column('jsonb') payload: Record<string, unknown>;
  @Column('text', { name: 'error_code' }) errorCode: string;
  @Column('text') reason: string;
  @Column('integer') attempts: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column('timestamptz', { name: 'replayed_at', nullable: true }) replayedAt: Date | null;
  @Column('integer', { name: 'replay_count', default: 0 }) replayCount: number;
}
