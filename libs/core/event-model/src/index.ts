export * from './messages';
export * from './reserved-traits';
export {
  normalizeMessage,
  type NormalizeOptions,
  type NormalizeResult,
  type FieldError,
} from './normalize';
export {
  normalizeBatch,
  isBatchBody,
  BatchError,
  type BatchBody,
  type BatchOptions,
  type BatchErrorCode,
  type BatchResult,
  type RejectedEvent,
} from './batch';
export {
  MAX_EVENT_BYTES,
  MAX_BATCH_BYTES,
  MAX_BATCH_EVENTS,
  MAX_DEPTH,
  MAX_KEYS,
  MAX_NODES,
  EVENT_SHAPE_LIMITS,
  checkShape,
  checkShapeAndPurity,
  eventByteSize,
  checkEventSize,
  type ShapeLimits,
} from './limits';
export { admitEvent, admitEventShared, type Admission } from './admit-event';
export { parseIsoDate } from './iso-date';
export { FORBIDDEN_KEYS, isPlainObject, mayHoldForbiddenKey, parseSafeJson, type JsonObject } from './safe-json';
export { deriveTimestamps, type DerivedTimestamps, type SentClock, type SentField } from './timestamps';
export { HUB_ORIGIN_CONTEXT_KEY, isHubEcho, markHubOrigin, type HubOrigin } from './echo-marker';
