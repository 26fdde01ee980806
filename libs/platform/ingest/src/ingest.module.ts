import { type DynamicModule, Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import { HUB_CONFIG, type HubEnv } from '@hub/config';
import { EVENT_SINK, INSTALLATION_EXTENSION } from '@hub/host';
import type { ConnectorDefinition } from '@hub/sdk';
import type { Pool } from 'pg';
import { DrainEnqueuer } from './drain-enqueuer.service';
import { InboxWriter } from './inbox-writer.service';
import { InboundBodyReaders } from './inbound-body-readers';
import { InboundEdge } from './inbound-edge.service';
import { InboundInstallations } from './inbound-installations.service';
import { InboundKeysController } from './inbound-keys.controller';
import { InboundKeysService } from './inbound-keys.service';
import { InboundRoutes } from './inbound-routes';
import { inboundControllerFor } from './inbound.controller';
import { createIngestPool, INGEST_POOL } from './ingest-pool';
import { InstallationKeysExtension } from './installation-keys.extension';
import { RejectedEventsController } from './rejected-events.controller';
import { RejectedEventsService } from './rejected-events.service';

export interface IngestModuleOptions {
  /** The catalog, as the apps pass it to the host (`connectors` from `@hub/catalog`). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  connectors: readonly ConnectorDefinition<any>[];
  /** Database of the ingest pool; DATABASE_URL by default. */
  databaseUrl?: string;
  /** Connections of the ingest pool; DATABASE_POOL_SIZE by default. */
  poolSize?: number;
}

const INGEST_OPTIONS = Symbol('INGEST_OPTIONS');

@Injectable()
class IngestPoolCloser implements OnApplicationShutdown {
  constructor(@Inject(INGEST_POOL) private readonly pool: Pool) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

/**
 * The ingestion pipeline without HTTP, for both apps: the inbox writer behind `ctx.emit`
 * (EVENT_SINK), inbound keys behind the installation API (INSTALLATION_EXTENSION), the drain
 * enqueue. Global so the host's providers can inject the seams. Needs HubConfigModule,
 * PersistenceModule, VaultModule and QueueModule.
 */
@Global()
@Module({})
export class IngestCoreModule {
  static forRoot(options: IngestModuleOptions): DynamicModule {
    return {
      module: IngestCoreModule,
      providers: [
        { provide: INGEST_OPTIONS, useValue: options },
        {
          provide: INGEST_POOL,
          inject: [INGEST_OPTIONS, HUB_CONFIG],
          useFactory: (o: IngestModuleOptions, config: HubEnv) =>
            createIngestPool({ url: o.databaseUrl ?? config.DATABASE_URL, max: o.poolSize ?? config.DATABASE_POOL_SIZE }),
        },
        IngestPoolCloser,
        { provide: InboundRoutes, inject: [INGEST_OPTIONS], useFactory: (o: IngestModuleOptions) => new InboundRoutes(o.connectors) },
        DrainEnqueuer,
        InboxWriter,
        { provide: EVENT_SINK, useExisting: InboxWriter },
        InboundInstallations,
        InboundKeysService,
        InstallationKeysExtension,
        { provide: INSTALLATION_EXTENSION, useExisting: InstallationKeysExtension },
      ],
      exports: [INGEST_POOL, InboundRoutes, DrainEnqueuer, InboxWriter, EVENT_SINK, InboundInstallations, InboundKeysService, INSTALLATION_EXTENSION],
    };
  }
}

/**
 * The admin app's ingestion edge: the connectors' inbound routes (`/hooks/segment`, `/v1/:type`,
 * ...), inbound key rotation and the rejected-events API, on top of IngestCoreModule. Needs
 * AuthModule (WorkspaceAccessService) too.
 */
@Module({})
export class IngestModule {
  static forRoot(options: IngestModuleOptions): DynamicModule {
    const paths = new InboundRoutes(options.connectors).routes.map((r) => r.path);
    return {
      module: IngestModule,
      imports: [IngestCoreModule.forRoot(options)],
      controllers: [inboundControllerFor(paths), InboundKeysController, RejectedEventsController],
      providers: [InboundBodyReaders, InboundEdge, RejectedEventsService],
    };
  }
}
