import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { HUB_CONFIG, type HubEnv } from '@hub/config';
import type { InstallationEntity } from '@hub/persistence';
import { PermanentJobError } from '@hub/queue';
import {
  AuthError,
  type CheckResult,
  ConfigurationError,
  type ConnectorContext,
  type Credentials,
  isConnectorError,
  type JobContext,
  RetryableError,
  ValidationError,
  zodFieldErrors,
} from '@hub/sdk';
import {
  CredentialIntegrityError,
  CredentialNeedsReauthError,
  CredentialNotFoundError,
  CredentialRefreshError,
  CredentialsService,
} from '@hub/vault';
import { DataSource } from 'typeorm';
import { type RegisteredConnector, ConnectorRegistry } from './connector-registry';
import { connectorLogger, credentialsFor, httpClientFor, raceAbort, Redactor, RunAbortedError, secretValuesOf } from './connector-context';
import { EVENT_SINK, type EventSink } from './host-extensions';
import { HostErrorCode, InstallationGoneError } from './host.exception';
import { InstallationStore } from './installation-store.service';
import { gateProblems } from './settings-gates';

export const CHECK_TIMEOUT_MS = 15_000;

/** An installation ready to run: its connector, decrypted settings (for this call only). */
export interface PreparedInstallation {
  installation: InstallationEntity;
  connector: RegisteredConnector;
  settings: Record<string, unknown>;
  redactor: Redactor;
  /** The installation's vault credential, decrypted for this run only (see `attachCredential`). */
  credential?: { id: string; credentials: Credentials };
}

export interface RunOptions {
  /** Bound into every log line (job run id, BullMQ job id). */
  runId: string;
  signal: AbortSignal;
}

/**
 * Runs a connector's code for one installation: loads and decrypts, validates the settings with
 * the connector version that runs, builds the context the SDK promises, and calls `check`, an
 * action or a job. Connector errors come out scrubbed of the installation's secret values.
 */
@Injectable()
export class ConnectorRunner {
  private readonly logger = new Logger('ConnectorRunner');

  constructor(
    private readonly registry: ConnectorRegistry,
    private readonly store: InstallationStore,
    private readonly dataSource: DataSource,
    private readonly credentials: CredentialsService,
    @Optional() @Inject(HUB_CONFIG) private readonly config?: HubEnv,
    @Optional() @Inject(EVENT_SINK) private readonly sink?: EventSink,
  ) {}

  async prepare(workspaceId: string, installationId: string): Promise<PreparedInstallation> {
    const installation = await this.store.find(workspaceId, installationId);
    if (!installation) throw new InstallationGoneError(installationId);
    const connector = this.registry.find(installation.connectorId);
    if (!connector) {
      throw new PermanentJobError(
        HostErrorCode.ConnectorUnavailable,
        `Connector "${installation.connectorId}" is not part of this hub any more`,
      );
    }
    let secrets: Record<string, unknown>;
    try {
      secrets = await this.store.loadSecrets(workspaceId, installationId);
    } catch (err) {
      if (err instanceof CredentialIntegrityError) throw new PermanentJobError(HostErrorCode.SecretsUnreadable, err.message);
      throw err;
    }
    const prepared = this.prepareValues(installation, connector, { ...installation.settings, ...secrets }, Object.values(secrets));
    return this.attachCredential(prepared, installation.credentialId);
  }

  /**
   * Resolves the installation's vault credential (refreshing OAuth tokens about to expire) and
   * adds its secrets to the redactor. Decrypted here, inside the host, for this run only: never
   * in a job payload, a log line or a response.
   */
  async attachCredential(prepared: PreparedInstallation, credentialId: string | null): Promise<PreparedInstallation> {
    if (!credentialId) return prepared;
    const { installation, connector } = prepared;
    const credentials = await this.vaultCall(installation, connector, () => this.credentials.resolve(installation.workspaceId, credentialId));
    const auth = connector.definition.auth;
    if (credentials.type !== auth.type) {
      throw new ConfigurationError(
        `${connector.definition.name} signs in with ${auth.type} but the linked credential is ${credentials.type}; link a ${auth.type} credential (credentialId)`,
      );
    }
    prepared.redactor.add(secretValuesOf(credentials));
    return { ...prepared, credential: { id: credentialId, credentials } };
  }

  /** Vault errors in the SDK's closed set, so the queue and the installation status know what they mean. */
  private async vaultCall<T>(installation: InstallationEntity, connector: RegisteredConnector, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof CredentialNotFoundError) {
        throw new ConfigurationError('The credential linked to this installation no longer exists: link another one (credentialId) or connect again');
      }
      if (err instanceof CredentialNeedsReauthError) {
        const auth = connector.definition.auth;
        const how =
          auth.type === 'oauth2'
            ? `reconnect it: POST /api/v1/workspaces/${installation.workspaceId}/oauth/${auth.provider}/start with {"installationId":"${installation.id}"}`
            : 'replace it';
        throw new AuthError(`The credential linked to this installation was refused by its provider and must be renewed; ${how}`);
      }
      if (err instanceof CredentialRefreshError) throw err.retryable ? new RetryableError(err.message) : new AuthError(err.message);
      if (err instanceof CredentialIntegrityError) throw new PermanentJobError(HostErrorCode.SecretsUnreadable, err.message);
      throw err;
    }
  }

  /** For values not stored yet (create with `enabled: true` checks before inserting). */
  prepareValues(
    installation: InstallationEntity,
    connector: RegisteredConnector,
    values: Record<string, unknown>,
    secretValues: unknown[] = connector.secretKeys.map((k) => values[k]),
  ): PreparedInstallation {
    const redactor = new Redactor(secretValues, connector.secretKeys);
    const parsed = connector.definition.settings.safeParse(values);
    if (!parsed.success) {
      const fields = zodFieldErrors(parsed.error).map((f) => `settings.${f.path}: ${f.message}`).join('; ');
      throw new ConfigurationError(
        `The installation's settings are not valid for ${connector.definition.name} ${connector.definition.version}: ${redactor.text(fields)}`,
      );
    }
    // A gated setting saved while its hub variable was on must not be used once it is off.
    const gated = gateProblems(connector.definition.settings, values, this.config ?? {});
    if (gated.length) throw new ConfigurationError(gated.map((g) => `${g.path} ${g.message}`).join('; '));
    return { installation, connector, settings: parsed.data as Record<string, unknown>, redactor };
  }

  context(prepared: PreparedInstallation, run: RunOptions): ConnectorContext<Record<string, unknown>> {
    const { installation, connector, settings, redactor, credential } = prepared;
    const credentials = credential ? credential.credentials : credentialsFor(connector.definition.auth, settings);
    // A 401 to an OAuth token refreshes it (once across processes) and updates `credentials` in place.
    const onUnauthorized =
      credential && credentials.type === 'oauth2'
        ? async (rejected: string) => {
            const fresh = await this.vaultCall(installation, connector, () =>
              this.credentials.refreshAfterRejection(installation.workspaceId, credential.id, rejected),
            );
            if (fresh.type !== 'oauth2') return;
            redactor.add(secretValuesOf(fresh));
            credentials.accessToken = fresh.accessToken;
            credentials.metadata = fresh.metadata;
          }
        : undefined;
    return {
      workspaceId: installation.workspaceId,
      installationId: installation.id,
      settings,
      credentials,
      http: httpClientFor(credentials, run.signal, onUnauthorized),
      logger: connectorLogger(
        this.logger,
        { workspaceId: installation.workspaceId, installationId: installation.id, connectorId: connector.definition.id, runId: run.runId },
        redactor,
      ),
      // Through the same inbox as inbound requests (normalize, commit, enqueue the drain). An app
      // without the ingestion module fails the emit visibly (dead letter, replayable) instead of
      // dropping events; a storage failure is retried like any transient error.
      emit: async (events, options) => {
        if (!this.sink) throw new ConfigurationError('Emitting events needs the ingestion module (@hub/ingest) in this app');
        return this.sink.emit({ workspaceId: installation.workspaceId, installationId: installation.id }, events, options);
      },
      signal: run.signal,
    };
  }

  /**
   * Runs `check()` with a timeout. Never throws for a connector problem: the answer is always a
   * sentence a person can act on.
   */
  async check(prepared: PreparedInstallation, timeoutMs = CHECK_TIMEOUT_MS): Promise<CheckResult> {
    const check = prepared.connector.definition.check;
    if (!check) return { ok: true, message: 'This connector has no connection check' };
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const ctx = this.context(prepared, { runId: `check:${prepared.installation.id}`, signal });
      const result = await raceAbort(Promise.resolve().then(() => check(ctx)), signal);
      if (!result || typeof result.ok !== 'boolean' || typeof result.message !== 'string') {
        return { ok: false, message: 'The connection check returned no result; report this to the connector developer' };
      }
      return { ok: result.ok, message: prepared.redactor.text(result.message) };
    } catch (err) {
      if (err instanceof RunAbortedError) {
        const limit = timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`;
        return { ok: false, message: `The connection check did not answer within ${limit}` };
      }
      if (isConnectorError(err)) return { ok: false, message: prepared.redactor.text(err.message) };
      this.logger.warn({ msg: 'connection check threw', installationId: prepared.installation.id, err: prepared.redactor.value(err) });
      return { ok: false, message: 'The connection check failed unexpectedly; see the hub logs' };
    }
  }

  async runAction(prepared: PreparedInstallation, actionKey: string, input: unknown, run: RunOptions): Promise<unknown> {
    const actions = prepared.connector.definition.actions ?? {};
    const action = Object.hasOwn(actions, actionKey) ? actions[actionKey] : undefined;
    if (!action) {
      throw new PermanentJobError(
        HostErrorCode.ActionNotFound,
        `${prepared.connector.definition.name} ${prepared.connector.definition.version} has no action "${actionKey}"`,
      );
    }
    const parsed = action.input.safeParse(input);
    if (!parsed.success) {
      throw new ValidationError(`Input of action "${actionKey}" is invalid`, zodFieldErrors(parsed.error));
    }
    return this.guard(prepared, () => action.perform(this.context(prepared, run), parsed.data), run.signal);
  }

  async runJob(prepared: PreparedInstallation, jobKey: string, payload: unknown, run: RunOptions): Promise<unknown> {
    const jobs = prepared.connector.definition.jobs ?? {};
    const job = Object.hasOwn(jobs, jobKey) ? jobs[jobKey] : undefined;
    if (!job) {
      throw new PermanentJobError(
        HostErrorCode.JobNotFound,
        `${prepared.connector.definition.name} ${prepared.connector.definition.version} has no job "${jobKey}"`,
      );
    }
    const parsed = job.payload.safeParse(payload ?? {});
    if (!parsed.success) throw new ValidationError(`Payload of job "${jobKey}" is invalid`, zodFieldErrors(parsed.error));
    const { workspaceId, id: installationId } = prepared.installation;
    const ctx: JobContext<Record<string, unknown>> = {
      ...this.context(prepared, run),
      runId: run.runId,
      checkpoint: {
        get: async <T>() => {
          const rows: { value: T }[] = await this.dataSource.query(
            'SELECT value FROM job_checkpoints WHERE workspace_id = $1 AND installation_id = $2 AND job_key = $3',
            [workspaceId, installationId, jobKey],
          );
          return rows.length ? rows[0].value : undefined;
        },
        save: async (value: unknown) => {
          let json: string;
          try {
            json = JSON.stringify(value ?? null);
          } catch (err) {
            throw new ValidationError(`Checkpoint of job "${jobKey}" is not JSON-serializable: ${(err as Error).message}`);
          }
          await this.dataSource.query(
            `INSERT INTO job_checkpoints (installation_id, job_key, workspace_id, value, updated_at)
             VALUES ($1, $2, $3, $4::jsonb, now())
             ON CONFLICT (installation_id, job_key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()
             WHERE job_checkpoints.workspace_id = EXCLUDED.workspace_id`,
            [installationId, jobKey, workspaceId, json],
          );
        },
      },
    };
    return this.guard(prepared, () => job.run(ctx, parsed.data), run.signal);
  }

  private async guard<T>(prepared: PreparedInstallation, call: () => Promise<T>, signal: AbortSignal): Promise<T> {
    try {
      return await raceAbort(Promise.resolve().then(call), signal);
    } catch (err) {
      throw prepared.redactor.error(err);
    }
  }
}
