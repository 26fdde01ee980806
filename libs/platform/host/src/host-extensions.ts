import type { InstallationEntity } from '@hub/persistence';
import type { EmitOptions, EmitResult } from '@hub/sdk';
import type { EntityManager } from 'typeorm';
import type { RegisteredConnector } from './connector-registry';

/**
 * Seams other platform modules plug into, so the host never imports them (the ingestion module
 * depends on the host, not the other way round). Each is optional: without a provider the host
 * behaves as before (emit refuses, installations carry no inbound keys).
 */

/** Where `ctx.emit` sends events: normalize, commit to the inbox, enqueue the drain. */
export const EVENT_SINK = Symbol('EVENT_SINK');

export interface EventSink {
  emit(target: { workspaceId: string; installationId: string }, events: unknown[], options?: EmitOptions): Promise<EmitResult>;
}

/** A key or secret the host issued for an installation, as installation responses show it. */
export interface InboundKeyView {
  /** The name the connector declares (`apiKey`, `writeKey`), or `sharedSecret`. */
  name: string;
  title: string;
  /** The start of the key, e.g. `hub_ak_3fQ9`; empty for shared secrets. */
  prefix: string;
  /** `prefix••••••`: what a form shows. */
  masked: string;
  /** The plaintext, only in the answer that created or rotated it. */
  value?: string;
  createdAt: string;
  /** Set on a key that was rotated: it keeps working until then. */
  expiresAt: string | null;
}

/** Adds what a module owns about installations to the host's installation API. */
export const INSTALLATION_EXTENSION = Symbol('INSTALLATION_EXTENSION');

export interface InstallationExtension {
  /**
   * Runs inside the creation transaction (a failure rolls the installation back). The fields it
   * returns are added to the creation response only: keys are shown once.
   */
  onCreate(manager: EntityManager, installation: InstallationEntity, connector: RegisteredConnector): Promise<Record<string, unknown>>;
  /** Fields added to every response about these installations (keys masked). */
  describe(workspaceId: string, installations: InstallationEntity[]): Promise<Map<string, Record<string, unknown>>>;
}

/**
 * Connectors that receive events (inbound routes the host serves) report whether anything has
 * arrived instead of a bare `ok` (TEAM.md contract 7): the drain flips `waiting_for_first_message`
 * to `receiving` and keeps `lastEventAt`.
 */
export function receivesEvents(connector: RegisteredConnector | undefined): boolean {
  return Object.values(connector?.definition.inbound ?? {}).some((route) => route.path !== undefined);
}

export function enabledStatus(
  connector: RegisteredConnector | undefined,
  row: Pick<InstallationEntity, 'lastEventAt'>,
): 'ok' | 'waiting_for_first_message' | 'receiving' {
  if (!receivesEvents(connector)) return 'ok';
  return row.lastEventAt ? 'receiving' : 'waiting_for_first_message';
}
