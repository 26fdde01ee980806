import type { InstallationEntity, InstallationStatus } from '@hub/persistence';
import type { InboundKeyView } from './host-extensions';
import { maskedSettings } from './installation-settings';

export interface InstallationView {
  id: string;
  workspaceId: string;
  connectorId: string;
  connectorVersion: string;
  name: string;
  /** Plain settings, and `"••••••"` for each secret setting that is set. Secrets never leave. */
  settings: Record<string, unknown>;
  enabled: boolean;
  status: InstallationStatus;
  statusMessage: string | null;
  credentialId: string | null;
  lastEventAt: string | null;
  /** Messages received per type (`track`, `identify`, ...) and dropped per reason (`duplicate`, `echo`, `ignored`, ...). */
  eventCounts: Record<string, number>;
  lastCheckAt: string | null;
  createdAt: string;
  updatedAt: string;
  /** Keys the hub issued for a connector that receives events: masked, except when just created or rotated. */
  inboundKeys?: InboundKeyView[];
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toInstallationView(row: InstallationEntity, secretsSet: readonly string[]): InstallationView {
  return {
    id: row.id,
    workspaceId: row.workspaceId,
    connectorId: row.connectorId,
    connectorVersion: row.connectorVersion,
    name: row.name,
    settings: maskedSettings(row.settings ?? {}, secretsSet),
    enabled: row.enabled,
    status: row.status,
    statusMessage: row.statusMessage,
    credentialId: row.credentialId,
    lastEventAt: iso(row.lastEventAt),
    eventCounts: row.eventCounts ?? {},
    lastCheckAt: iso(row.lastCheckAt),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
