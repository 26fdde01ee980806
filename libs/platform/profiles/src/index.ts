export * from './ingest-queue';
export * from './model-settings';
export * from './profiles.options';
export * from './profiles-worker.module';
export { InboxDrain, type BatchResult, type DrainResult, type DrainHooks } from './drain/inbox-drain.service';
export { InboxRelay } from './worker/inbox-relay.service';
export { InboxRetention } from './worker/inbox-retention.service';
export { IngestWorkers } from './worker/ingest-workers.service';
