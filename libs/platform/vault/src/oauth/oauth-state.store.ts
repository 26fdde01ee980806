import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { oauthStateAad, SecretBox } from '../secret-box';

/** 10 minutes, as the issue asks: long enough to log in at the provider, short enough to be useless later. */
export const STATE_TTL_SECONDS = 600;

export const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** What the hub knows about the flow, carried on the request handed to passport. */
export interface FlowRequest {
  query: Record<string, unknown>;
  body?: undefined;
  /** Set by start: who starts the flow and for what. */
  start?: {
    id: string;
    workspaceId: string;
    userId: string;
    bindingNonce: string;
    label: string | null;
    installationId: string | null;
    loginUrl: string | null;
  };
  /** Set by callback: the provider the callback path names and the browser's cookies. */
  callback?: { provider: string; cookies: Record<string, string> };
  /** Set by `verify` once the state is accepted and consumed. */
  accepted?: FlowState;
}

export interface FlowState {
  id: string;
  workspaceId: string;
  userId: string;
  provider: string;
  label: string | null;
  installationId: string | null;
  loginUrl: string | null;
}

export const bindingCookieName = (stateId: string) => `hub_oauth_${stateId.replace(/-/g, '')}`;

type Stored = (err: Error | null, state?: string) => void;
type Loaded = (err: Error | null, verifier?: string | false, info?: { message: string }) => void;

interface StateRow {
  id: string;
  workspace_id: string;
  user_id: string;
  provider: string;
  label: string | null;
  installation_id: string | null;
  login_url: string | null;
  binding_hash: Buffer;
  key_id: string;
  iv: Buffer;
  ciphertext: Buffer;
  auth_tag: Buffer;
  expired: boolean;
  consumed: boolean;
}

/**
 * passport-oauth2's state store (the PKCE form: it also keeps the code verifier), in Postgres so
 * any admin replica can finish a flow another started. Every rejection is the same 403 for the
 * caller; the reason is only for our logs.
 */
export class PgStateStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly box: SecretBox,
    private readonly provider: string,
  ) {}

  store(req: FlowRequest, verifier: string, _state: unknown, _meta: unknown, done: Stored): void {
    const start = req.start;
    if (!start) return done(new Error('state store: the flow was not started by the hub'));
    const handle = randomBytes(32).toString('base64url');
    const sealed = this.box.seal(verifier, oauthStateAad(start.workspaceId, start.id));
    this.dataSource
      .query(
        `INSERT INTO oauth_states (id, state_hash, binding_hash, workspace_id, user_id, provider, label, installation_id, login_url,
                                   key_id, iv, ciphertext, auth_tag, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, now() + make_interval(secs => $14))`,
        [
          start.id,
          sha256(handle),
          sha256(start.bindingNonce),
          start.workspaceId,
          start.userId,
          this.provider,
          start.label,
          start.installationId,
          start.loginUrl,
          sealed.keyId,
          sealed.iv,
          sealed.ciphertext,
          sealed.authTag,
          STATE_TTL_SECONDS,
        ],
      )
      .then(
        () => done(null, handle),
        (err: Error) => done(err),
      );
  }

  verify(req: FlowRequest, providedState: unknown, done: Loaded): void {
    this.check(req, providedState).then(
      (result) => (typeof result === 'string' ? done(null, false, { message: result }) : done(null, result.verifier)),
      (err: Error) => done(err),
    );
  }

  private async check(req: FlowRequest, providedState: unknown): Promise<string | { verifier: string }> {
    if (typeof providedState !== 'string' || providedState.length < 16 || providedState.length > 512) return 'state missing or malformed';
    const [row] = (await this.dataSource.query(
      `SELECT id, workspace_id, user_id, provider, label, installation_id, login_url, binding_hash, key_id, iv, ciphertext, auth_tag,
              expires_at <= now() AS expired, consumed_at IS NOT NULL AS consumed
         FROM oauth_states WHERE state_hash = $1`,
      [sha256(providedState)],
    )) as StateRow[];
    if (!row) return 'state unknown';
    if (row.provider !== this.provider || req.callback?.provider !== this.provider) return 'state belongs to another provider';
    const cookie = req.callback?.cookies[bindingCookieName(row.id)];
    if (!cookie || !timingSafeEqual(sha256(cookie), row.binding_hash)) return 'state not bound to this browser';
    if (row.expired) return 'state expired';
    if (row.consumed) return 'state already used';
    // Single use across replicas: only one callback wins the conditional update.
    const consumed = (await this.dataSource.query(
      `UPDATE oauth_states SET consumed_at = now() WHERE id = $1 AND consumed_at IS NULL AND expires_at > now() RETURNING id`,
      [row.id],
    )) as [unknown[], number];
    if (consumed[1] !== 1) return 'state already used';
    const verifier = this.box
      .open({ keyId: row.key_id, iv: row.iv, ciphertext: row.ciphertext, authTag: row.auth_tag }, oauthStateAad(row.workspace_id, row.id))
      .toString('utf8');
    req.accepted = {
      id: row.id,
      workspaceId: row.workspace_id,
      userId: row.user_id,
      provider: row.provider,
      label: row.label,
      installationId: row.installation_id,
      loginUrl: row.login_url,
    };
    return { verifier };
  }
}
