import { type DynamicModule, Module } from '@nestjs/common';
import { HUB_CONFIG, type HubEnv } from '@hub/config';
import { OAuthCallbackController, OAuthStartController } from './oauth.controller';
import { OAuthService } from './oauth.service';
import { PublicUrl } from './public-url';

/**
 * The OAuth connect flow's routes (admin app). Providers come from VaultModule, built from the
 * HUB_OAUTH_* variables of the config. Needs VaultModule, PersistenceModule and AuthModule.
 */
@Module({})
export class OAuthModule {
  static forRoot(): DynamicModule {
    return {
      module: OAuthModule,
      controllers: [OAuthStartController, OAuthCallbackController],
      providers: [
        { provide: PublicUrl, inject: [HUB_CONFIG], useFactory: (config: HubEnv) => new PublicUrl(config.HUB_PUBLIC_URL) },
        OAuthService,
      ],
      exports: [OAuthService],
    };
  }
}
