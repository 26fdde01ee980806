import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type JobRunStatus = 'running' | 'succeeded' | 'failed';

@Entity('job_runs')
export class JobRunEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column('uuid', { name: 'workspace_id' }) workspaceId: string;
  @Column('uuid', { name: 'installation_id' }) installationId: string;
  @Column('text', { name: 'job_key' }) jobKey: string;
  @Column('text', { name: 'bull_job_id' }) bullJobId: string;
  @Column('text') status: JobRunStatus;
  @Column('integer') attempt: number;
  @Column('text', { nullable: true }) error: string | null;
  @Column('timestamptz', { name: 'started_at', default: () => 'now()' }) startedAt: Date;
  @Column('timestamptz', { name: 'finished_at', nullable: true }) finishedAt: Date | null;
}
