import type { HttpClient } from './http';

/** Credentials as the vault hands them to a running connector: decrypted, ready, never stored. */
export type Credentials =
  | { type: 'none' }
  | { type: 'apiKey'; apiKey: string }
  | { type: 'basic'; username: string; password: string }
  | {
      type: 'oauth2';
      accessToken: string;
      /** Provider-specific token fields kept by the vault, e.g. Salesforce's `instance_url`. */
      metadata: Record<string, string>;
    };

export interface ConnectorLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface EmitResult {
  accepted: number;
  rejected: { index: number; reason: string }[];
}

export interface ConnectorContext<S> {
  workspaceId: string;
  installationId: string;
  /** Validated settings, secret fields included (decrypted for this call only). */
  settings: S;
  credentials: Credentials;
  http: HttpClient;
  /** Bound to workspace, installation and run ids; secrets are redacted by the host. */
  logger: ConnectorLogger;
  /** Emits Segment Spec messages into the core pipeline (normalized and checked by the host). */
  emit(events: unknown[]): Promise<EmitResult>;
  signal: AbortSignal;
}

export interface Checkpoints {
  get<T = unknown>(): Promise<T | undefined>;
  save(value: unknown): Promise<void>;
}

export interface JobContext<S> extends ConnectorContext<S> {
  runId: string;
  checkpoint: Checkpoints;
}

export interface InboundRequest {
  method: string;
  /** The body exactly as received, for signature verification. */
  rawBody: Buffer;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  query: Record<string, string>;
}

export interface InboundResponse {
  status: number;
  body: unknown;
}
