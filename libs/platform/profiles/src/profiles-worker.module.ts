import { type DynamicModule, Module } from '@nestjs/common';
import { InboxDrain } from './drain/inbox-drain.service';
import { PROFILES_WORKER_OPTIONS, type ProfilesWorkerOptions } from './profiles.options';
import { InboxRelay } from './worker/inbox-relay.service';
import { InboxRetention } from './worker/inbox-retention.service';
import { IngestJobsProcessor } from './worker/ingest-jobs.processor';
import { IngestWorkers } from './worker/ingest-workers.service';

/**
 * The worker side of profiles: the `ingest` queue's BullMQ worker (drain, relay, retention).
 * Needs HubConfigModule, PersistenceModule and QueueModule in the app.
 */
@Module({})
export class ProfilesWorkerModule {
  static forRoot(options: ProfilesWorkerOptions = {}): DynamicModule {
    return {
      module: ProfilesWorkerModule,
      providers: [
        { provide: PROFILES_WORKER_OPTIONS, useValue: options },
        InboxDrain,
        InboxRelay,
        InboxRetention,
        IngestJobsProcessor,
        IngestWorkers,
      ],
      exports: [InboxDrain, InboxRelay, InboxRetention, IngestWorkers],
    };
  }
}
