import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { InstallationEntity, InstallationSecretEntity, JobCheckpointEntity, JobRunEntity } from '@hub/persistence';
import { QueueRegistry } from '@hub/queue';
import type { ConnectorDefinition } from '@hub/sdk';
import { CatalogController } from './catalog.controller';
import { ConnectorJobsProcessor } from './connector-jobs.processor';
import { ConnectorRegistry } from './connector-registry';
import { ConnectorRunner } from './connector-runner.service';
import { ConnectorWorkers } from './connector-workers.service';
import { InstallationStore } from './installation-store.service';
import { InstallationsController } from './installations.controller';
import { InstallationsService } from './installations.service';
import { JobSchedules } from './job-schedules.service';

export interface HostModuleOptions {
  /**
   * The catalog, passed in by the app (`connectors` from `@hub/catalog`): platform code never
   * imports a connector, so the host only knows the definitions it is given.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  connectors: readonly ConnectorDefinition<any>[];
}

export const CONNECTOR_DEFINITIONS = Symbol('CONNECTOR_DEFINITIONS');

/** Providers both apps need: the validated catalog, installations and the runner. */
function coreProviders(options: HostModuleOptions): Provider[] {
  return [
    { provide: CONNECTOR_DEFINITIONS, useValue: options.connectors },
    {
      provide: ConnectorRegistry,
      inject: [CONNECTOR_DEFINITIONS, QueueRegistry],
      // Throws at boot, naming the connector and field, when a definition is invalid.
      useFactory: (definitions: readonly unknown[], queues: QueueRegistry) => {
        const registry = new ConnectorRegistry(definitions);
        queues.declareQueues(registry.queueNames());
        return registry;
      },
    },
    InstallationStore,
    ConnectorRunner,
    JobSchedules,
  ];
}

const entities = TypeOrmModule.forFeature([InstallationEntity, InstallationSecretEntity, JobCheckpointEntity, JobRunEntity]);

/**
 * The admin app's host: catalog and installation APIs, connection checks, schedulers. Starts no
 * workers. Needs HubConfigModule, PersistenceModule, VaultModule, QueueModule and the AuthModule
 * (WorkspaceAccessService) in the app.
 */
@Module({})
export class HostModule {
  static forRoot(options: HostModuleOptions): DynamicModule {
    return {
      module: HostModule,
      // Global: the host is one per app, and modules that plug into it (the delivery ledger)
      // need its registry and runner without importing the dynamic module a second time.
      global: true,
      imports: [entities],
      controllers: [CatalogController, InstallationsController],
      providers: [...coreProviders(options), InstallationsService],
      exports: [ConnectorRegistry, ConnectorRunner, InstallationsService, JobSchedules],
    };
  }
}

/**
 * The worker app's host: one BullMQ worker per connector queue, started on bootstrap and
 * drained on shutdown. No HTTP routes.
 */
@Module({})
export class HostWorkerModule {
  static forRoot(options: HostModuleOptions): DynamicModule {
    return {
      module: HostWorkerModule,
      global: true,
      imports: [entities],
      providers: [...coreProviders(options), ConnectorJobsProcessor, ConnectorWorkers],
      exports: [ConnectorRegistry, ConnectorRunner, ConnectorWorkers],
    };
  }
}
