const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids in URLs are UUIDs; anything else is answered like a missing object, never a 500. */
export const isUuid = (value: unknown): value is string => typeof value === 'string' && UUID.test(value);
