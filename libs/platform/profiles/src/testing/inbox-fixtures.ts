import { randomUUID } from 'node:crypto';
import { normalizeMessage, type SegmentMessage } from '@hub/event-model';
import type { DataSource } from 'typeorm';

/** Test helpers: a workspace with a Segment destination installation, and inbox rows as the edge writes them. */
export interface TestSource {
  workspaceId: string;
  installationId: string;
}

export async function createTestSource(db: DataSource, status = 'waiting_for_first_message'): Promise<TestSource> {
  const slug = `p-${randomUUID().slice(0, 12)}`;
  const [ws] = (await db.query(`INSERT INTO workspaces (name, slug) VALUES ($1, $1) RETURNING id`, [slug])) as { id: string }[];
  const [inst] = (await db.query(
    `INSERT INTO installations (workspace_id, connector_id, connector_version, name, enabled, status)
     VALUES ($1, 'segment-destination', '0.1.0', 'Segment', true, $2) RETURNING id`,
    [ws.id, status],
  )) as { id: string }[];
  return { workspaceId: ws.id, installationId: inst.id };
}

/** A normalized message, as `@hub/event-model` makes it at the edge. Throws on an invalid one. */
export function segment(raw: Record<string, unknown>, receivedAt = new Date()): SegmentMessage {
  const result = normalizeMessage({ messageId: randomUUID(), ...raw }, { receivedAt });
  if (!result.ok) throw new Error(`invalid test message: ${JSON.stringify(result.errors)}`);
  return result.message;
}

/** One inbox row (one accepted request) holding these messages; returns its id. */
export async function insertInbox(db: DataSource, source: TestSource, messages: readonly unknown[]): Promise<string> {
  const [row] = (await db.query(
    `INSERT INTO inbox (workspace_id, installation_id, event_count, events) VALUES ($1, $2, $3, $4::jsonb) RETURNING id::text AS id`,
    [source.workspaceId, source.installationId, messages.length, JSON.stringify(messages)],
  )) as { id: string }[];
  return row.id;
}
