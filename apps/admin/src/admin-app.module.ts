import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@hub/auth';
import { connectors } from '@hub/catalog';
import { HubConfigModule, type HubEnv } from '@hub/config';
import { DeliveryModule } from '@hub/delivery';
import { HostModule } from '@hub/host';
import { IngestModule } from '@hub/ingest';
import { HealthModule, LoggingModule, MetricsModule } from '@hub/observability';
import { PersistenceModule } from '@hub/persistence';
import { ProfilesApiModule } from '@hub/profiles';
import { DeadLettersApiModule, QueueModule } from '@hub/queue';
import { CredentialsModule, OAuthModule, VaultModule } from '@hub/vault';

/** The admin HTTP app: composes platform modules, owns no logic of its own. */
@Module({})
export class AdminAppModule {
  static forRoot(config: HubEnv): DynamicModule {
    return {
      module: AdminAppModule,
      imports: [
        HubConfigModule.forRoot(config),
        LoggingModule.forRoot(config, { service: 'admin' }),
        PersistenceModule.forRoot({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE }),
        VaultModule,
        QueueModule.forRoot(),
        AuthModule,
        HostModule.forRoot({ connectors }),
        IngestModule.forRoot({ connectors }),
        CredentialsModule,
        OAuthModule.forRoot(),
        DeadLettersApiModule,
        ProfilesApiModule,
        DeliveryModule.forRoot(),
        MetricsModule.forRoot(),
        HealthModule.forRoot({ redis: true }),
      ],
    };
  }
}
