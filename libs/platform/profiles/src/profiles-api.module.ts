import { Module, type OnModuleInit } from '@nestjs/common';
import { QueueRegistry } from '@hub/queue';
import { AccountsController } from './api/accounts.controller';
import { AccountsService } from './api/accounts.service';
import { CatalogController } from './api/catalog.controller';
import { CatalogService } from './api/catalog.service';
import { EventsController } from './api/events.controller';
import { EventsService } from './api/events.service';
import { ModelSettingsController } from './api/model-settings.controller';
import { ModelSettingsService } from './api/model-settings.service';
import { UsersController } from './api/users.controller';
import { UsersService } from './api/users.service';
import { INGEST_QUEUE } from './ingest-queue';

/**
 * The profile API of the admin app (API.md "Profiles and catalog"): accounts, users, events,
 * catalog and model settings. Needs PersistenceModule, QueueModule and AuthModule in the app.
 */
@Module({
  controllers: [AccountsController, UsersController, EventsController, CatalogController, ModelSettingsController],
  providers: [AccountsService, UsersService, EventsService, CatalogService, ModelSettingsService],
  exports: [ModelSettingsService, CatalogService],
})
export class ProfilesApiModule implements OnModuleInit {
  constructor(private readonly queues: QueueRegistry) {}

  /** A dead-lettered drain can be replayed from the dead-letter API. */
  onModuleInit(): void {
    this.queues.declareQueues([INGEST_QUEUE]);
  }
}
