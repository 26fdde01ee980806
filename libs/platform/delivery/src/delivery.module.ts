import { type DynamicModule, Module } from '@nestjs/common';
import { ACTION_DISPATCHER } from '@hub/host';
import { DeliveriesController } from './api/deliveries.controller';
import { DeliveriesQuery } from './api/deliveries-query.service';
import { DeliveryRelay } from './flush/delivery-relay.service';
import { DeliveryWorkers } from './flush/delivery-workers.service';
import { FlushProcessor } from './flush/flush.processor';
import { DeliveryRecorder } from './ledger/delivery-recorder.service';
import { DeliveryStore } from './ledger/delivery-store.service';
import { FanoutProcessor } from './subscriptions/fanout.processor';
import { SubscriptionsController } from './subscriptions/subscriptions.controller';
import { SubscriptionsService } from './subscriptions/subscriptions.service';

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
      controllers: [DeliveriesController, SubscriptionsController],
      providers: [DeliveryStore, DeliveryRecorder, DeliveriesQuery, SubscriptionsService, { provide: ACTION_DISPATCHER, useExisting: DeliveryRecorder }],
      exports: [DeliveryRecorder, DeliveriesQuery, SubscriptionsService, ACTION_DISPATCHER],
    };
  }
}

/**
 * The worker side: the `delivery` queue's worker (flush, redeliver, relay) and the `subscriptions`
 * queue's (fan-out, its relay). Needs HubConfigModule,
 * PersistenceModule, QueueModule and HostWorkerModule in the app.
 */
@Module({})
export class DeliveryWorkerModule {
  static forRoot(): DynamicModule {
    return {
      module: DeliveryWorkerModule,
      global: true,
      providers: [DeliveryStore, DeliveryRecorder, FlushProcessor, DeliveryRelay, FanoutProcessor, DeliveryWorkers],
      exports: [DeliveryRecorder, DeliveryWorkers],
    };
  }
}
