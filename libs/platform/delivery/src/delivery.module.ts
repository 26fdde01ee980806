import { type DynamicModule, Module } from '@nestjs/common';
import { ACTION_DISPATCHER } from '@hub/host';
import { DeliveriesController } from './api/deliveries.controller';
import { DeliveriesQuery } from './api/deliveries-query.service';
import { DeliveryRelay } from './flush/delivery-relay.service';
import { DeliveryWorkers } from './flush/delivery-workers.service';
import { FlushProcessor } from './flush/flush.processor';
import { DeliveryRecorder } from './ledger/delivery-recorder.service';
import { DeliveryStore } from './ledger/delivery-store.service';

/**
 * The admin side of the delivery ledger: the deliveries API, and the host's ACTION_DISPATCHER
 * (an invoked action becomes a `deliveries` row plus a flush, answered `202 {deliveryId}`).
 * Global so the host sees the dispatcher. Needs HubConfigModule, PersistenceModule, QueueModule,
 * HostModule and the AuthModule in the app.
 */
@Module({})
export class DeliveryModule {
  static forRoot(): DynamicModule {
    return {
      module: DeliveryModule,
      global: true,
      controllers: [DeliveriesController],
      providers: [DeliveryStore, DeliveryRecorder, DeliveriesQuery, { provide: ACTION_DISPATCHER, useExisting: DeliveryRecorder }],
      exports: [DeliveryRecorder, DeliveriesQuery, ACTION_DISPATCHER],
    };
  }
}

/**
 * The worker side: the `delivery` queue's worker (flush, redeliver, relay). Needs HubConfigModule,
 * PersistenceModule, QueueModule and HostWorkerModule in the app.
 */
@Module({})
export class DeliveryWorkerModule {
  static forRoot(): DynamicModule {
    return {
      module: DeliveryWorkerModule,
      global: true,
      providers: [DeliveryStore, DeliveryRecorder, FlushProcessor, DeliveryRelay, DeliveryWorkers],
      exports: [DeliveryRecorder, DeliveryWorkers],
    };
  }
}
