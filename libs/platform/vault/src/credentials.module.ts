import { Module } from '@nestjs/common';
import { AuditController } from './audit/audit.controller';
import { CredentialsController } from './credentials/credentials.controller';

/**
 * The credentials and audit APIs of the admin app. The services behind them (and behind the
 * host's runs) come from VaultModule; needs AuthModule (WorkspaceAccessService, bearer guard).
 */
@Module({
  controllers: [CredentialsController, AuditController],
})
export class CredentialsModule {}
