import type { z } from 'zod';
import type { ConnectorContext, InboundContext, InboundRequest, InboundResponse, JobContext } from './context';
import type { SettingsSchema } from './settings';

/** Auth is data: the vault runs the flow, stores and refreshes; the connector gets credentials. */
export type AuthSpec =
  | { type: 'none' }
  | { type: 'apiKey'; label?: string }
  | { type: 'basic'; label?: string }
  | {
      type: 'oauth2';
      /** Key of a provider in the vault's provider file (e.g. `salesforce`). */
      provider: string;
      scopes: string[];
      /** Token response fields to keep as credential metadata, e.g. `instance_url`. */
      tokenFields?: string[];
    };

export type ConnectorCategory = 'source' | 'destination' | 'enrichment' | 'warehouse' | 'utility';

export interface CheckResult {
  ok: boolean;
  /** A sentence a person can act on: "Logged in as ...", "The write key was refused". */
  message: string;
}

export type BatchItemResult<O> = { ok: true; output: O } | { ok: false; error: Error };

export interface ActionDefinition<S, I extends z.ZodType = z.ZodType, O = unknown> {
  title: string;
  description?: string;
  input: I;
  perform(ctx: ConnectorContext<S>, input: z.output<I>): Promise<O>;
  /** Optional batch form: one result per input, in order. */
  performBatch?(ctx: ConnectorContext<S>, inputs: z.output<I>[]): Promise<BatchItemResult<O>[]>;
  batch?: { maxItems: number; maxBytes?: number };
}

export type JobSchedule = { everyMs: number } | { cron: string };

export interface JobDefinition<S, P extends z.ZodType = z.ZodType> {
  title: string;
  description?: string;
  payload: P;
  /** Registered by the host for every enabled installation. */
  schedule?: JobSchedule;
  retry?: { attempts: number; backoffMs: number };
  run(ctx: JobContext<S>, payload: z.output<P>): Promise<unknown>;
}

/**
 * How the host authenticates a request to an inbound route, tried in order. The host issues,
 * stores (hashed) and looks up keys; the connector never sees one.
 * - `key`: a key the host issued for the installation (a name from `inboundKeys`), sent as
 *   `Authorization: Basic base64("<key>:")`, or, with `bodyField`, as that top-level body field.
 * - `signature`: the installation named by the path segment `:<param>`; the host hands its shared
 *   secret (`inboundSecret`) to `verify`, which checks the body's signature.
 */
export type InboundAuthSpec =
  | { type: 'key'; key: string; bodyField?: string }
  | { type: 'signature'; param: string };

export interface InboundRouteDefinition<S> {
  title: string;
  /**
   * The POST path the host serves, as the sender's protocol fixes it (`/hooks/segment`,
   * `/v1/:type`); `:name` segments reach the route as `req.params`. Without a path (and `auth`)
   * the host does not serve the route.
   */
  path?: string;
  auth?: InboundAuthSpec[];
  /** Largest body the route reads (after decompression); the host answers 413 above it. */
  maxBodyBytes?: number;
  /** Throws AuthError when the request is not authentic. Runs before `handle`. */
  verify?(req: InboundRequest, ctx: InboundContext<S>): Promise<void> | void;
  handle(req: InboundRequest, ctx: InboundContext<S>): Promise<InboundResponse | void>;
}

/** A credential the host issues for each installation of a connector that receives events. */
export interface InboundKeySpec {
  title: string;
  description?: string;
}

export interface ConnectorLimits {
  /** Concurrent runs per installation. */
  concurrency?: number;
  /** Requests per second per installation towards the partner. */
  ratePerSecond?: number;
}

export interface ConnectorDefinition<S extends SettingsSchema = SettingsSchema> {
  /** Stable kebab-case id; never renamed (installations refer to it). */
  id: string;
  /** Semver. */
  version: string;
  name: string;
  description: string;
  category: ConnectorCategory;
  settings: S;
  auth: AuthSpec;
  check?(ctx: ConnectorContext<z.output<S>>): Promise<CheckResult>;
  // Keys are camelCase verbs (`sendTrack`); values are built with `connectorKit(settings)`.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  actions?: Record<string, ActionDefinition<z.output<S>, any, any>>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  jobs?: Record<string, JobDefinition<z.output<S>, any>>;
  inbound?: Record<string, InboundRouteDefinition<z.output<S>>>;
  /**
   * Keys the host issues when an installation is created (shown once, stored hashed, rotatable),
   * by name: routes refer to them in `auth`. Example: `{ apiKey: { title: 'Inbound API key' } }`.
   */
  inboundKeys?: Record<string, InboundKeySpec>;
  /** A shared secret the host issues on request (sealed, since signatures need the plaintext). */
  inboundSecret?: InboundKeySpec;
  limits?: ConnectorLimits;
}

/** Identity function that gives a definition its types. */
export function defineConnector<S extends SettingsSchema>(def: ConnectorDefinition<S>): ConnectorDefinition<S> {
  return def;
}

/**
 * Builders bound to a settings schema, so actions and jobs get typed `ctx.settings` and input
 * without generated files:
 *
 *   const { action, job } = connectorKit(settings);
 *   export const sendPing = action({ title: 'Send ping', input: z.object({...}), perform: ... });
 */
export function connectorKit<S extends SettingsSchema>(_settings: S) {
  type Settings = z.output<S>;
  return {
    action<I extends z.ZodType, O>(def: ActionDefinition<Settings, I, O>): ActionDefinition<Settings, I, O> {
      return def;
    },
    job<P extends z.ZodType>(def: JobDefinition<Settings, P>): JobDefinition<Settings, P> {
      return def;
    },
    inbound(def: InboundRouteDefinition<Settings>): InboundRouteDefinition<Settings> {
      return def;
    },
  };
}
