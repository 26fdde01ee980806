/** A `deliveries` row as the ledger reads it. */
export type DeliveryStatus = 'queued' | 'sent' | 'failed' | 'dead';
export type DeliverySource = 'api' | 'subscription' | 'programmatic';

export interface DeliveryView {
  id: string;
  installationId: string;
  action: string;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  messageIds: string[];
  source: DeliverySource;
  subscriptionId: string | null;
  createdAt: string;
  sentAt: string | null;
}

export interface DeliveryDbRow {
  id: string;
  installation_id: string;
  action: string;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  message_ids: string[];
  source: DeliverySource;
  subscription_id: string | null;
  created_at: Date;
  sent_at: Date | null;
}

export const toDeliveryView = (r: DeliveryDbRow): DeliveryView => ({
  id: r.id,
  installationId: r.installation_id,
  action: r.action,
  status: r.status,
  attempts: r.attempts,
  lastError: r.last_error,
  messageIds: r.message_ids,
  source: r.source,
  subscriptionId: r.subscription_id,
  createdAt: r.created_at.toISOString(),
  sentAt: r.sent_at ? r.sent_at.toISOString() : null,
});

/** A row to insert. */
export interface NewDelivery {
  id: string;
  action: string;
  status: 'queued' | 'dead';
  /** The input as JSON text, serialized once (what the flush reads back). */
  inputJson: string;
  /** UTF-8 bytes of `inputJson`. */
  inputBytes: number;
  /** The connector version whose action schema accepted the input; null when none did. */
  checkedVersion: string | null;
  lastError: string | null;
  messageIds: string[];
  source: DeliverySource;
  subscriptionId: string | null;
  sourceKey: string | null;
}
