import { type DynamicModule, Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { TypeOrmModule } from '@nestjs/typeorm';
import { HUB_CONFIG, type HubEnv } from '@hub/config';
import { DeadLetterEntity } from '@hub/persistence';
import { DeadLettersController } from './dead-letters.controller';
import { DeadLettersService } from './dead-letters.service';
import { bullRootOptions, type QueueModuleOptions } from './queue-options';
import { QueueRegistry } from './queue-registry.service';

/**
 * Global: the shared BullMQ configuration (Redis from REDIS_URL, HUB_REDIS_PREFIX, default
 * attempts/backoff/retention), the QueueRegistry and the DeadLettersService. Needs
 * HubConfigModule and PersistenceModule in the app. Both apps import it.
 */
@Module({})
export class QueueModule {
  static forRoot(options: QueueModuleOptions = {}): DynamicModule {
    return {
      module: QueueModule,
      global: true,
      imports: [
        BullModule.forRootAsync({ inject: [HUB_CONFIG], useFactory: (config: HubEnv) => bullRootOptions(config, options) }),
        TypeOrmModule.forFeature([DeadLetterEntity]),
      ],
      providers: [QueueRegistry, DeadLettersService],
      exports: [QueueRegistry, DeadLettersService],
    };
  }
}

/** The dead-letter admin API (`/api/v1/workspaces/:ws/dead-letters`); the admin app imports it. */
@Module({ controllers: [DeadLettersController] })
export class DeadLettersApiModule {}
