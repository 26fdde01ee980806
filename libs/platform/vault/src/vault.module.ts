import { Global, Module } from '@nestjs/common';
import { HUB_CONFIG, type HubEnv } from '@hub/config';
import { AuditService } from './audit/audit.service';
import { CredentialsService } from './credentials/credentials.service';
import { loadOAuthProviders, OAUTH_PROVIDERS } from './oauth/oauth-providers';
import { TokenRefresher } from './refresh/token-refresh.service';
import { SecretBox } from './secret-box';

/**
 * The vault's services for both apps: SecretBox, credential resolution and token refresh (the
 * host's runs), the audit log writer, and the OAuth providers (validated when the app is built:
 * a bad HUB_OAUTH_* variable stops the boot naming it). No routes: the admin app adds
 * CredentialsModule and OAuthModule. Needs HubConfigModule and PersistenceModule.
 */
@Global()
@Module({
  providers: [
    { provide: SecretBox, inject: [HUB_CONFIG], useFactory: (config: HubEnv) => new SecretBox(config.HUB_ENCRYPTION_KEYS) },
    { provide: OAUTH_PROVIDERS, inject: [HUB_CONFIG], useFactory: (config: HubEnv) => loadOAuthProviders(config, config.HUB_PUBLIC_URL) },
    AuditService,
    TokenRefresher,
    CredentialsService,
  ],
  exports: [SecretBox, OAUTH_PROVIDERS, AuditService, TokenRefresher, CredentialsService],
})
export class VaultModule {}
