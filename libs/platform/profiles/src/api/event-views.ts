/** An event as the API shows it (API.md), plus the ids of the call that are not in `properties`. */
export interface EventView {
  id: string;
  messageId: string;
  type: string;
  event: string | null;
  userId: string | null;
  anonymousId: string | null;
  accountId: string | null;
  groupId: string | null;
  previousId: string | null;
  properties: Record<string, unknown> | null;
  traits: Record<string, unknown> | null;
  context: Record<string, unknown>;
  timestamp: string;
  receivedAt: string;
  sourceId: string | null;
}

export const EVENT_COLUMNS = `e.id::text AS id, e.message_id, e.type, e.event, e.user_id, e.anonymous_id, e.account_id,
  e.group_id, e.previous_id, e.properties, e.traits, e.context, e."timestamp", e.received_at, e.installation_id`;

export interface EventRow {
  id: string;
  message_id: string;
  type: string;
  event: string | null;
  user_id: string | null;
  anonymous_id: string | null;
  account_id: string | null;
  group_id: string | null;
  previous_id: string | null;
  properties: Record<string, unknown> | null;
  traits: Record<string, unknown> | null;
  context: Record<string, unknown>;
  timestamp: Date;
  received_at: Date;
  installation_id: string | null;
}

export const toEventView = (row: EventRow): EventView => ({
  id: row.id,
  messageId: row.message_id,
  type: row.type,
  event: row.event,
  userId: row.user_id,
  anonymousId: row.anonymous_id,
  accountId: row.account_id,
  groupId: row.group_id,
  previousId: row.previous_id,
  properties: row.properties,
  traits: row.traits,
  context: row.context,
  timestamp: row.timestamp.toISOString(),
  receivedAt: row.received_at.toISOString(),
  sourceId: row.installation_id,
});

/** `trait_meta` ({key: [epochMillis, installationId]}) as provenance: who wrote each trait, when. */
export function traitSources(meta: Record<string, unknown>): Record<string, { installationId: string | null; at: string | null }> {
  const out: Record<string, { installationId: string | null; at: string | null }> = {};
  for (const [key, value] of Object.entries(meta ?? {})) {
    const [at, by] = Array.isArray(value) ? value : [];
    out[key] = {
      installationId: typeof by === 'string' ? by : null,
      at: typeof at === 'number' && Number.isFinite(at) ? new Date(at).toISOString() : null,
    };
  }
  return out;
}
