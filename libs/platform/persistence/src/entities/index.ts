import { AdminUserEntity } from './admin-user.entity';
import { AuditEventEntity } from './audit-event.entity';
import { ApiTokenEntity } from './api-token.entity';
import { CredentialEntity } from './credential.entity';
import { DeadLetterEntity } from './dead-letter.entity';
import { InstallationSecretEntity } from './installation-secret.entity';
import { InstallationEntity } from './installation.entity';
import { JobCheckpointEntity } from './job-checkpoint.entity';
import { JobRunEntity } from './job-run.entity';
import { WorkspaceMemberEntity } from './workspace-member.entity';
import { WorkspaceEntity } from './workspace.entity';

export * from './admin-user.entity';
export * from './audit-event.entity';
export * from './api-token.entity';
export * from './credential.entity';
export * from './dead-letter.entity';
export * from './installation-secret.entity';
export * from './installation.entity';
export * from './job-checkpoint.entity';
export * from './job-run.entity';
export * from './workspace-member.entity';
export * from './workspace.entity';

export const ENTITIES = [
  AdminUserEntity,
  ApiTokenEntity,
  WorkspaceEntity,
  WorkspaceMemberEntity,
  InstallationEntity,
  InstallationSecretEntity,
  JobCheckpointEntity,
  JobRunEntity,
  DeadLetterEntity,
  CredentialEntity,
  AuditEventEntity,
];
