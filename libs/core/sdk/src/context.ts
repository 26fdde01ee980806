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

/**
 * How the host should read emitted events. Inbound routes use these to hand over a Tracking API
 * request as it came (the host normalizes once, with its caps); jobs usually need none.
 */
export interface EmitOptions {
  /** Type for events that carry none, as on the Tracking API's `/v1/track`-style routes. */
  defaultType?: string;
  /** Batch-level `context` and `integrations` (Tracking API `/v1/batch`): merged into each event, the event's own keys win. */
  context?: unknown;
  integrations?: unknown;
  /**
   * Hold the events to the Tracking API's per-request limits (2,500 events, 500 KB): a request
   * over them is refused as a whole (`InboundLimitError` from the host) instead of being split.
   */
  batchLimits?: boolean;
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
  /**
   * Emits Segment Spec messages into the core pipeline: the host normalizes and checks them,
   * commits the valid ones to its inbox (invalid ones are set aside with their reason) and only
   * then resolves. Rejects when the events could not be stored (the caller answers 503 or retries).
   */
  emit(events: unknown[], options?: EmitOptions): Promise<EmitResult>;
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
  /** The body exactly as received (decompressed when sent with Content-Encoding), for signatures. */
  rawBody: Buffer;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  query: Record<string, string>;
  /** Values of the route path's `:name` segments. */
  params?: Record<string, string>;
}

export interface InboundResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** What the host established about an inbound request before the connector sees it. */
export type InboundAuthResult =
  /** An issued key (named as in the definition's `inboundKeys`) authenticated the request. */
  | { method: 'key'; key: string }
  /** The route must check the body's signature with the installation's shared secret. */
  | { method: 'signature'; sharedSecret: string };

/** The context of an inbound route: keys are the host's business, the connector sees the outcome. */
export interface InboundContext<S> extends ConnectorContext<S> {
  auth?: InboundAuthResult;
}
