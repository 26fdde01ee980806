import { Inject, Injectable, Logger } from '@nestjs/common';
import { CredentialEntity } from '@hub/persistence';
import type { Credentials } from '@hub/sdk';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { openCredential, sealCredential, toSdkCredentials } from '../credentials/credential-secrets';
import type { SealedSecrets } from '../credentials/credentials.schemas';
import { OAUTH_PROVIDERS, type OAuthProvider } from '../oauth/oauth-providers';
import { createProviderStrategy, requestTokenRefresh, TokenEndpointError } from '../oauth/oauth-strategy';
import { SecretBox } from '../secret-box';
import { CredentialNeedsReauthError, CredentialNotFoundError, CredentialRefreshError } from '../vault.exception';

/** Refresh this long before `expiresAt`, so a run never starts with a token about to lapse. */
export const REFRESH_SKEW_MS = 60_000;
/** A token endpoint that does not answer within this is treated as unreachable (retryable). */
export const REFRESH_TIMEOUT_MS = 15_000;
/**
 * A token issued this recently and already rejected will not be fixed by another refresh (the
 * provider refuses the grant's permissions, not its age): fail instead of refreshing per request.
 */
export const MIN_REFRESH_INTERVAL_MS = 10_000;

type Why = { kind: 'expiring' } | { kind: 'rejected'; accessToken: string };

type Outcome =
  | { kind: 'ok'; credentials: Credentials }
  | { kind: 'needs_reauth' }
  | { kind: 'failed'; message: string; retryable: boolean };

/**
 * Refreshes OAuth tokens, single-flight across processes: the credential row is locked
 * (`SELECT ... FOR UPDATE`), re-read, and the refresh is skipped when another process already
 * did it while this one waited. The new access token and a rotated refresh token are stored in
 * the same transaction that held the lock, so a rotated refresh token is never lost or used
 * twice. `invalid_grant` marks the credential `needs_reauth` and flags its installations; later
 * uses fail fast without calling the provider again until an admin reconnects.
 */
@Injectable()
export class TokenRefresher {
  private readonly logger = new Logger('TokenRefresh');
  /** In-process single flight: one refresh per credential per process; the row lock covers the others. */
  private readonly inFlight = new Map<string, Promise<Credentials>>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly box: SecretBox,
    private readonly audit: AuditService,
    @Inject(OAUTH_PROVIDERS) private readonly providers: Map<string, OAuthProvider>,
  ) {}

  /** The access token expires within REFRESH_SKEW_MS (or already has). */
  refreshExpiring(workspaceId: string, credentialId: string): Promise<Credentials> {
    return this.singleFlight(workspaceId, credentialId, { kind: 'expiring' });
  }

  /** The provider answered 401 to `accessToken` (Salesforce sends no expiry, so this is how it says so). */
  refreshRejected(workspaceId: string, credentialId: string, accessToken: string): Promise<Credentials> {
    return this.singleFlight(workspaceId, credentialId, { kind: 'rejected', accessToken });
  }

  private singleFlight(workspaceId: string, credentialId: string, why: Why): Promise<Credentials> {
    const key = `${workspaceId}:${credentialId}`;
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const started = this.refresh(workspaceId, credentialId, why).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }

  private async refresh(workspaceId: string, credentialId: string, why: Why): Promise<Credentials> {
    const outcome = await this.dataSource.transaction(async (tx): Promise<Outcome> => {
      // Waiters queue on the row lock while the holder talks to the provider (at most REFRESH_TIMEOUT_MS).
      await tx.query(`SET LOCAL lock_timeout = '30s'`);
      const row = await tx
        .createQueryBuilder(CredentialEntity, 'c')
        .setLock('pessimistic_write')
        .where('c.id = :credentialId AND c.workspace_id = :workspaceId', { credentialId, workspaceId })
        .getOne();
      if (!row) throw new CredentialNotFoundError(credentialId);
      if (row.status === 'needs_reauth') return { kind: 'needs_reauth' };
      const secrets = openCredential(this.box, row);
      if (secrets.type !== 'oauth2') return { kind: 'ok', credentials: toSdkCredentials(secrets, row.metadata) };
      const decision = this.decide(row, secrets, why);
      if (decision === 'skip') return { kind: 'ok', credentials: toSdkCredentials(secrets, row.metadata) };
      if (decision === 'rejected-fresh') {
        return {
          kind: 'failed',
          retryable: false,
          message: `${this.providerName(row)} rejected a token issued moments ago; check the connected user's permissions and the app's scopes`,
        };
      }
      if (!secrets.refreshToken) {
        await this.markNeedsReauth(tx, row, 'no_refresh_token', `${this.providerName(row)} issued no refresh token for "${row.label}" (grant the refresh_token / offline_access scope)`);
        return { kind: 'needs_reauth' };
      }
      const provider = row.provider ? this.providers.get(row.provider) : undefined;
      if (!provider) {
        const variable = row.provider ? `HUB_OAUTH_${row.provider.toUpperCase().replace(/-/g, '_')}_CLIENT_ID` : null;
        return {
          kind: 'failed',
          retryable: false,
          message: variable
            ? `The tokens of "${row.label}" expired and the hub cannot refresh them: ${variable} is not set`
            : `The tokens of "${row.label}" expired and the credential names no OAuth provider to refresh them with; reconnect it`,
        };
      }
      return this.exchange(tx, row, secrets, provider);
    });
    switch (outcome.kind) {
      case 'ok':
        return outcome.credentials;
      case 'needs_reauth':
        throw new CredentialNeedsReauthError(credentialId);
      case 'failed':
        throw new CredentialRefreshError(outcome.message, outcome.retryable);
    }
  }

  private decide(row: CredentialEntity, secrets: Extract<SealedSecrets, { type: 'oauth2' }>, why: Why): 'refresh' | 'skip' | 'rejected-fresh' {
    if (why.kind === 'expiring') {
      // Another process refreshed while this one waited for the lock.
      return row.expiresAt && row.expiresAt.getTime() - Date.now() <= REFRESH_SKEW_MS ? 'refresh' : 'skip';
    }
    if (secrets.accessToken !== why.accessToken) return 'skip';
    if (row.refreshedAt && Date.now() - row.refreshedAt.getTime() < MIN_REFRESH_INTERVAL_MS) return 'rejected-fresh';
    return 'refresh';
  }

  private async exchange(
    tx: EntityManager,
    row: CredentialEntity,
    secrets: Extract<SealedSecrets, { type: 'oauth2' }>,
    provider: OAuthProvider,
  ): Promise<Outcome> {
    const loginUrl = row.metadata?.login_url ?? null;
    let tokens;
    try {
      tokens = await requestTokenRefresh(createProviderStrategy(provider, loginUrl), secrets.refreshToken as string, REFRESH_TIMEOUT_MS);
    } catch (err) {
      if (!(err instanceof TokenEndpointError)) throw err;
      if (err.isInvalidGrant) {
        await this.markNeedsReauth(tx, row, 'invalid_grant', `${provider.name} refused to refresh "${row.label}" (invalid_grant): the connection was revoked or expired`);
        return { kind: 'needs_reauth' };
      }
      const retryable = err.status === null || err.status >= 500 || err.status === 429 || err.status === 408;
      this.logger.warn({ msg: 'token refresh failed', workspaceId: row.workspaceId, credentialId: row.id, provider: provider.id, status: err.status, error: err.oauthError });
      if (!retryable) {
        await this.audit.record(
          {
            workspaceId: row.workspaceId,
            actorUserId: null,
            action: 'credential.refresh_failed',
            targetType: 'credential',
            targetId: row.id,
            details: { provider: provider.id, label: row.label, status: err.status, error: err.oauthError },
          },
          tx,
        );
      }
      return {
        kind: 'failed',
        retryable,
        message: retryable
          ? `${provider.name} could not be reached to refresh "${row.label}" (${err.message}); the run will be retried`
          : `${provider.name} refused to refresh "${row.label}" (${err.message}); check HUB_OAUTH_${provider.id.toUpperCase().replace(/-/g, '_')}_CLIENT_ID and _CLIENT_SECRET`,
      };
    }

    const rotated = tokens.refreshToken !== undefined && tokens.refreshToken !== secrets.refreshToken;
    const next: SealedSecrets = { type: 'oauth2', accessToken: tokens.accessToken, refreshToken: tokens.refreshToken ?? secrets.refreshToken };
    const metadata = { ...(row.metadata ?? {}) };
    for (const field of provider.keepTokenFields) {
      const value = tokens.params[field];
      if (typeof value === 'string' || typeof value === 'number') metadata[field] = String(value);
    }
    const expiresIn = Number(tokens.params.expires_in);
    // Salesforce sends no expires_in: the expiry is unknown, and a 401 is what triggers the next refresh.
    const expiresAt = Number.isFinite(expiresIn) && expiresIn > 0 ? new Date(Date.now() + expiresIn * 1000) : null;
    await tx.update(
      CredentialEntity,
      { id: row.id, workspaceId: row.workspaceId },
      { ...sealCredential(this.box, row.workspaceId, row.id, next), metadata, expiresAt, refreshedAt: () => 'now()' },
    );
    if (rotated) {
      await this.audit.record(
        {
          workspaceId: row.workspaceId,
          actorUserId: null,
          action: 'credential.rotated',
          targetType: 'credential',
          targetId: row.id,
          details: { provider: provider.id, label: row.label, rotated: 'refresh_token' },
        },
        tx,
      );
    }
    this.logger.log({ msg: 'tokens refreshed', workspaceId: row.workspaceId, credentialId: row.id, provider: provider.id, rotated });
    return { kind: 'ok', credentials: toSdkCredentials(next, metadata) };
  }

  /**
   * Committed with the lock: the credential stops being used (no retry storm) and each enabled
   * installation using it tells the admin what to do, naming itself in the reconnect call.
   */
  private async markNeedsReauth(tx: EntityManager, row: CredentialEntity, error: string, reason: string): Promise<void> {
    const provider = row.provider ?? 'generic';
    await tx.update(CredentialEntity, { id: row.id, workspaceId: row.workspaceId }, { status: 'needs_reauth', statusMessage: `${reason}. Reconnect it.` });
    const flagged = (await tx.query(
      `UPDATE installations
          SET status = 'needs_attention', updated_at = now(),
              status_message = $3 || ' Reconnect: POST /api/v1/workspaces/' || workspace_id || '/oauth/' || $4 || '/start with {"installationId":"' || id || '"}'
        WHERE workspace_id = $1 AND credential_id = $2 AND enabled
        RETURNING id`,
      [row.workspaceId, row.id, `${reason}.`, provider],
    )) as [unknown[], number];
    await this.audit.record(
      {
        workspaceId: row.workspaceId,
        actorUserId: null,
        action: 'credential.refresh_failed',
        targetType: 'credential',
        targetId: row.id,
        details: { provider: row.provider, label: row.label, error, installationsFlagged: flagged[1] },
      },
      tx,
    );
    this.logger.warn({ msg: 'credential needs reauthorization', workspaceId: row.workspaceId, credentialId: row.id, provider: row.provider, error });
  }

  private providerName(row: CredentialEntity): string {
    return (row.provider && this.providers.get(row.provider)?.name) || row.provider || 'The provider';
  }
}
