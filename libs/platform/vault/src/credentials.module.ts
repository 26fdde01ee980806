import { Module } from '@nestjs/common';
import { AuditController } from './audit/audit.controller';
import { AuditService } from './audit/audit.service';
import { CredentialsController } from './credentials/credentials.controller';
import { CredentialsService } from './credentials/credentials.service';

/**
 * Credentials and audit APIs, and the services the host uses at run time
 * (`CredentialsService.resolve`) and other modules record with (`AuditService.record`).
 * Needs HubConfigModule, PersistenceModule, VaultModule (SecretBox) and the AuthModule
 * (WorkspaceAccessService, bearer guard) in the app.
 */
@Module({
  controllers: [CredentialsController, AuditController],
  providers: [CredentialsService, AuditService],
  exports: [CredentialsService, AuditService],
})
export class CredentialsModule {}
