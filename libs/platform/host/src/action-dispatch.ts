import type { ActionDefinition } from '@hub/sdk';
import type { RegisteredConnector } from './connector-registry';

/**
 * Where an invoked action goes (API.md: `POST .../actions/:action` -> `202 {deliveryId}`). The
 * delivery ledger (`@hub/delivery`) provides it: it records a delivery row and enqueues its
 * flush, so the host never imports the ledger. Without a provider (host-only tests), the host
 * enqueues the `action:<key>` job itself and answers `{jobId}`.
 */
export const ACTION_DISPATCHER = Symbol('ACTION_DISPATCHER');

export interface ActionDispatchRequest {
  workspaceId: string;
  installationId: string;
  connector: RegisteredConnector;
  actionKey: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  action: ActionDefinition<any, any, any>;
  /** The input as the caller sent it (already validated by the host). */
  input: unknown;
}

export interface ActionDispatcher {
  dispatch(request: ActionDispatchRequest): Promise<{ deliveryId: string }>;
}
