import { type DynamicModule, Module } from '@nestjs/common';
import { HUB_CONFIG, type HubEnv } from '@hub/config';
import { CredentialsModule } from '../credentials.module';
import { OAuthCallbackController, OAuthStartController } from './oauth.controller';
import { PublicUrl } from './public-url';
import { loadOAuthProviders } from './oauth-providers';
import { OAUTH_PROVIDERS, OAuthService } from './oauth.service';

/**
 * The OAuth connect flow. Providers are read from `env` (HUB_OAUTH_* variables) and validated
 * when the module is built: a bad one stops the boot with a message naming the variable.
 * Needs CredentialsModule's services, HubConfigModule, PersistenceModule, VaultModule, AuthModule.
 */
@Module({})
export class OAuthModule {
  static forRoot(options: { env?: Record<string, string | undefined> } = {}): DynamicModule {
    const env = options.env ?? process.env;
    return {
      module: OAuthModule,
      imports: [CredentialsModule],
      controllers: [OAuthStartController, OAuthCallbackController],
      providers: [
        { provide: PublicUrl, inject: [HUB_CONFIG], useFactory: (config: HubEnv) => new PublicUrl(config.HUB_PUBLIC_URL) },
        { provide: OAUTH_PROVIDERS, inject: [HUB_CONFIG], useFactory: (config: HubEnv) => loadOAuthProviders(env, config.HUB_PUBLIC_URL) },
        OAuthService,
      ],
      exports: [OAuthService],
    };
  }
}
