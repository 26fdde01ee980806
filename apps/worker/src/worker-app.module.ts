import { DynamicModule, Module } from '@nestjs/common';
import { connectors } from '@hub/catalog';
import { HubConfigModule, type HubEnv } from '@hub/config';
import { DeliveryWorkerModule } from '@hub/delivery';
import { HostWorkerModule } from '@hub/host';
import { IngestCoreModule } from '@hub/ingest';
import { HealthModule, LoggingModule, MetricsModule, RedisPolicyModule } from '@hub/observability';
import { PersistenceModule } from '@hub/persistence';
import { ProfilesWorkerModule } from '@hub/profiles';
import { QueueModule } from '@hub/queue';
import { VaultModule } from '@hub/vault';

/**
 * The worker: BullMQ workers for every connector queue, their schedulers, and only health and
 * metrics over HTTP. RedisPolicyModule comes first so a Redis that may lose jobs is reported
 * (or, with HUB_REDIS_POLICY=refuse, stops the process) before any job is taken.
 */
@Module({})
export class WorkerAppModule {
  static forRoot(config: HubEnv): DynamicModule {
    return {
      module: WorkerAppModule,
      imports: [
        HubConfigModule.forRoot(config),
        LoggingModule.forRoot(config, { service: 'worker' }),
        RedisPolicyModule,
        PersistenceModule.forRoot({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE }),
        VaultModule,
        QueueModule.forRoot(),
        HostWorkerModule.forRoot({ connectors }),
        IngestCoreModule.forRoot({ connectors }),
        ProfilesWorkerModule.forRoot(),
        DeliveryWorkerModule.forRoot(),
        MetricsModule.forRoot(),
        HealthModule.forRoot({ redis: true }),
      ],
    };
  }
}
