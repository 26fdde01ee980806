import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { HUB_CONFIG, type HubEnv } from '@hub/config';
import { ApiError } from '@hub/http';
import { InstallationEntity, keysetPage, readPageQuery, toPage } from '@hub/persistence';
import { actionJobName, type ActionJobData, connectorQueueName, QueueRegistry } from '@hub/queue';
import type { CheckResult } from '@hub/sdk';
import { AuditService, CredentialIntegrityError, CredentialsService } from '@hub/vault';
import { DataSource, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { z } from 'zod';
import { ACTION_DISPATCHER, type ActionDispatcher } from './action-dispatch';
import { ConnectorRegistry, type RegisteredConnector } from './connector-registry';
import { enabledStatus, INSTALLATION_EXTENSION, type InstallationExtension } from './host-extensions';
import { ConnectorRunner, type PreparedInstallation } from './connector-runner.service';
import { HostErrorCode, InstallationGoneError } from './host.exception';
import { mergeSettings, splitSettings, validateSettings, withoutMasks } from './installation-settings';
import { InstallationStore } from './installation-store.service';
import { toInstallationView, type InstallationView } from './installation-view';
import type { CreateInstallationBody, InvokeActionBody, UpdateInstallationBody } from './installations.schemas';
import { JobSchedules } from './job-schedules.service';
import { gateProblems } from './settings-gates';
import { isUuid } from './ids';

const notFound = () => ApiError.notFound('Installation', HostErrorCode.InstallationNotFound);

/**
 * The installation API's logic. Every query is scoped by the workspace id of the URL (checked
 * for access by the controller), so another workspace's installation answers 404.
 */
@Injectable()
export class InstallationsService {
  private readonly logger = new Logger('Installations');

  constructor(
    private readonly dataSource: DataSource,
    private readonly registry: ConnectorRegistry,
    private readonly store: InstallationStore,
    private readonly runner: ConnectorRunner,
    private readonly schedules: JobSchedules,
    private readonly queues: QueueRegistry,
    private readonly credentials: CredentialsService,
    private readonly audit: AuditService,
    @Inject(HUB_CONFIG) private readonly config: HubEnv,
    @Optional() @Inject(ACTION_DISPATCHER) private readonly dispatcher?: ActionDispatcher,
    @Optional() @Inject(INSTALLATION_EXTENSION) private readonly extension?: InstallationExtension,
  ) {}

  async list(workspaceId: string, query: { limit?: unknown; cursor?: unknown }): Promise<{ items: InstallationView[]; nextCursor: string | null }> {
    const page = readPageQuery(query, (message) => ApiError.badRequest(HostErrorCode.InvalidCursor, message));
    const scope = this.dataSource.manager.createQueryBuilder(InstallationEntity, 'i').where('i.workspace_id = :workspaceId', { workspaceId });
    const qb = keysetPage(scope, 'i', page, 'ASC');
    const rows = await qb.getMany();
    const names = await this.store.secretNames(workspaceId, rows.slice(0, page.limit).map((r) => r.id));
    const extra = (await this.extension?.describe(workspaceId, rows.slice(0, page.limit))) ?? new Map<string, Record<string, unknown>>();
    return toPage(rows, page.limit, (row) => ({ ...toInstallationView(row, this.secretsSet(row, names.get(row.id))), ...extra.get(row.id) }));
  }

  async get(workspaceId: string, id: string): Promise<InstallationView> {
    return this.view(await this.load(workspaceId, id));
  }

  async create(workspaceId: string, body: CreateInstallationBody, actorUserId: string | null = null): Promise<InstallationView> {
    const connector = this.registry.find(body.connectorId);
    if (!connector) {
      throw ApiError.badRequest(
        HostErrorCode.ConnectorUnknown,
        `Unknown connectorId "${body.connectorId}": GET /api/v1/connectors lists the connectors of this hub`,
        [{ path: 'connectorId', message: `no connector "${body.connectorId}"` }],
      );
    }
    await this.checkCredential(workspaceId, body.credentialId, connector);
    const checked = validateSettings(connector.definition.settings, withoutMasks(body.settings ?? {}, connector.secretKeys));
    if (!checked.ok) throw ApiError.validation(checked.fields, 'Settings');
    const gated = gateProblems(connector.definition.settings, checked.values, this.config);
    if (gated.length) throw ApiError.validation(gated, 'Settings');
    const { plain, secrets } = splitSettings(connector.definition.settings, checked.values);

    const id = randomUUID();
    const row = Object.assign(new InstallationEntity(), {
      id,
      workspaceId,
      connectorId: connector.definition.id,
      connectorVersion: connector.definition.version,
      name: body.name,
      settings: plain,
      enabled: false,
      status: 'disabled' as const,
      statusMessage: null,
      credentialId: body.credentialId ?? null,
      lastCheckAt: null,
      lastEventAt: null,
    });
    let check: CheckResult | undefined;
    if (body.enabled) {
      // Checked before anything is stored: "create and enable" either fully works or leaves nothing.
      check = await this.runner
        .attachCredential(this.runner.prepareValues(row, connector, checked.values), row.credentialId)
        .then((prepared) => this.runner.check(prepared), (err: Error) => ({ ok: false, message: err.message }));
      if (!check.ok) throw ApiError.conflict(HostErrorCode.CheckFailed, `The connection check failed: ${check.message}`);
      Object.assign(row, { enabled: true, status: enabledStatus(connector, row), statusMessage: check.message, lastCheckAt: new Date() });
    }
    // What an extension adds to this answer only (inbound keys, shown once).
    let created: Record<string, unknown> = {};
    await this.dataSource.transaction(async (manager) => {
      await manager.insert(InstallationEntity, row as QueryDeepPartialEntity<InstallationEntity>);
      await this.store.saveSecrets(manager, workspaceId, id, secrets);
      created = (await this.extension?.onCreate(manager, row, connector)) ?? {};
      if (body.enabled) await this.recordToggle(manager, row, 'installation.enabled', actorUserId);
    });
    if (body.enabled) await this.scheduleOrRevert(connector, row);
    this.logger.log({ msg: 'installation created', workspaceId, installationId: id, connectorId: connector.definition.id, enabled: row.enabled });
    return { ...(await this.get(workspaceId, id)), ...created };
  }

  async update(workspaceId: string, id: string, body: UpdateInstallationBody, actorUserId: string | null = null): Promise<InstallationView> {
    await this.dataSource.transaction(async (manager) => {
      const row = await this.lock(manager, workspaceId, id);
      const changes: Partial<InstallationEntity> = {};
      if (body.name !== undefined) changes.name = body.name;
      if (body.credentialId === null) changes.credentialId = null;
      if (body.credentialId) {
        await this.checkCredential(workspaceId, body.credentialId, this.connectorOf(row));
        changes.credentialId = body.credentialId;
      }
      if (body.settings !== undefined) {
        const connector = this.connectorOf(row);
        const stored = { ...row.settings, ...(await this.storedSecrets(manager, workspaceId, id)) };
        const merged = mergeSettings(stored, body.settings, connector.secretKeys);
        const checked = validateSettings(connector.definition.settings, merged);
        if (!checked.ok) throw ApiError.validation(checked.fields, 'Settings');
        const gated = gateProblems(connector.definition.settings, checked.values, this.config);
        if (gated.length) throw ApiError.validation(gated, 'Settings');
        const { plain, secrets } = splitSettings(connector.definition.settings, checked.values);
        changes.settings = plain;
        changes.connectorVersion = connector.definition.version;
        await this.store.saveSecrets(manager, workspaceId, id, secrets);
      }
      if (Object.keys(changes).length) {
        await manager.update(InstallationEntity, { id, workspaceId }, changes as QueryDeepPartialEntity<InstallationEntity>);
      }
    });
    if (body.enabled === true) return this.enable(workspaceId, id, actorUserId);
    if (body.enabled === false) return this.disable(workspaceId, id, actorUserId);
    return this.get(workspaceId, id);
  }

  async remove(workspaceId: string, id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const row = await this.lock(manager, workspaceId, id);
      // Schedulers first: if Redis is down the request fails (503) and nothing is half-deleted.
      await this.removeSchedulers(row);
      await manager.delete(InstallationEntity, { id, workspaceId });
    });
    this.logger.log({ msg: 'installation deleted', workspaceId, installationId: id });
  }

  async check(workspaceId: string, id: string): Promise<CheckResult> {
    const row = await this.load(workspaceId, id);
    const result = await this.runCheck(row);
    await this.recordCheck(row, result);
    return result;
  }

  /**
   * Enabling runs validate -> check -> schedule -> persist. A failing check refuses (409
   * CHECK_FAILED with the check's message): an admin who clicks "Enable" expects either a
   * working installation or a reason, not a silently broken one.
   */
  async enable(workspaceId: string, id: string, actorUserId: string | null = null): Promise<InstallationView> {
    const row = await this.load(workspaceId, id);
    const connector = this.connectorOf(row);
    const result = await this.runCheck(row);
    if (!result.ok) {
      await this.recordCheck(row, result);
      throw ApiError.conflict(HostErrorCode.CheckFailed, `The connection check failed: ${result.message}`);
    }
    // Scheduler changes happen under the row lock, so an enable, a disable and a worker removing
    // an orphaned scheduler never interleave (the last one to commit is what Redis holds).
    await this.dataSource.transaction(async (manager) => {
      const locked = await this.lock(manager, workspaceId, id);
      await this.schedules.register(connector, workspaceId, id);
      await manager.update(
        InstallationEntity,
        { id, workspaceId },
        { enabled: true, status: enabledStatus(connector, locked), statusMessage: result.message, lastCheckAt: () => 'now()' },
      );
      if (!locked.enabled) await this.recordToggle(manager, locked, 'installation.enabled', actorUserId);
    });
    this.logger.log({ msg: 'installation enabled', workspaceId, installationId: id });
    return this.get(workspaceId, id);
  }

  async disable(workspaceId: string, id: string, actorUserId: string | null = null): Promise<InstallationView> {
    await this.dataSource.transaction(async (manager) => {
      const row = await this.lock(manager, workspaceId, id);
      await manager.update(InstallationEntity, { id, workspaceId }, { enabled: false, status: 'disabled', statusMessage: null });
      if (row.enabled) await this.recordToggle(manager, row, 'installation.disabled', actorUserId);
      // Inside the transaction: if Redis refuses, the installation stays enabled (503), never
      // "disabled" with its jobs still firing.
      await this.removeSchedulers(row);
    });
    this.logger.log({ msg: 'installation disabled', workspaceId, installationId: id });
    return this.get(workspaceId, id);
  }

  private async removeSchedulers(row: InstallationEntity): Promise<void> {
    const connector = this.registry.find(row.connectorId);
    await this.schedules.remove(
      connector?.queueName ?? connectorQueueName(row.connectorId),
      row.id,
      connector ? Object.keys(connector.definition.jobs ?? {}) : undefined,
    );
  }

  /**
   * Validates the input and enqueues `action:<key>`. The payload carries ids and the input (data,
   * not secrets or settings: the worker loads those itself). The deliveries ledger of API.md
   * (`202 {deliveryId}`) is a later issue; until then the answer is the queue's job id.
   */
  async invokeAction(workspaceId: string, id: string, actionKey: string, body: InvokeActionBody): Promise<{ jobId: string } | { deliveryId: string }> {
    const row = await this.load(workspaceId, id);
    const connector = this.connectorOf(row);
    const actions = connector.definition.actions ?? {};
    const action = Object.hasOwn(actions, actionKey) ? actions[actionKey] : undefined;
    if (!action) {
      throw ApiError.notFound(`Action "${actionKey}" of connector "${connector.definition.id}"`, HostErrorCode.ActionNotFound);
    }
    if (!row.enabled) {
      throw ApiError.conflict(HostErrorCode.InstallationDisabled, 'The installation is disabled: enable it before running actions');
    }
    const parsed = (action.input as z.ZodType).safeParse(body.input);
    if (!parsed.success) {
      throw ApiError.validation(
        parsed.error.issues.map((issue) => ({ path: ['input', ...issue.path.map(String)].join('.'), message: issue.message })),
        'Action input',
      );
    }
    // The delivery ledger, when the app has it, records the call and answers its delivery id.
    if (this.dispatcher) return this.dispatcher.dispatch({ workspaceId, installationId: id, connector, actionKey, action, input: body.input });
    const data: ActionJobData = { workspaceId, installationId: id, actionKey, input: body.input };
    const jobId = await this.queues.add(connector.queueName, actionJobName(actionKey), { ...data });
    return { jobId };
  }

  private async runCheck(row: InstallationEntity): Promise<CheckResult> {
    let prepared: PreparedInstallation;
    try {
      prepared = await this.runner.prepare(row.workspaceId, row.id);
    } catch (err) {
      if (err instanceof InstallationGoneError) throw notFound();
      // Settings that no longer validate, unreadable secrets, a connector gone from the catalog.
      return { ok: false, message: (err as Error).message };
    }
    return this.runner.check(prepared);
  }

  private async recordCheck(row: InstallationEntity, result: CheckResult): Promise<void> {
    const status = row.enabled ? (result.ok ? enabledStatus(this.registry.find(row.connectorId), row) : 'needs_attention') : 'disabled';
    await this.dataSource.manager.update(
      InstallationEntity,
      { id: row.id, workspaceId: row.workspaceId },
      { status, statusMessage: result.message, lastCheckAt: () => 'now()' },
    );
  }

  private async scheduleOrRevert(connector: RegisteredConnector, row: InstallationEntity): Promise<void> {
    try {
      await this.schedules.register(connector, row.workspaceId, row.id);
    } catch (err) {
      await this.dataSource.manager.update(
        InstallationEntity,
        { id: row.id, workspaceId: row.workspaceId },
        { enabled: false, status: 'disabled', statusMessage: 'Scheduling its jobs failed; enable it again' },
      );
      throw err;
    }
  }

  /**
   * Secrets that no longer open (their key left HUB_ENCRYPTION_KEYS) count as unset, so a PATCH
   * that sends them again repairs the installation; a required one left out is reported missing.
   */
  private async storedSecrets(manager: EntityManager, workspaceId: string, id: string): Promise<Record<string, unknown>> {
    try {
      return await this.store.loadSecrets(workspaceId, id, manager);
    } catch (err) {
      if (err instanceof CredentialIntegrityError) return {};
      throw err;
    }
  }

  /**
   * A credential id must name a credential of this workspace (another workspace's answers like a
   * missing one) whose type, and OAuth provider, is what the connector signs in with.
   */
  private async checkCredential(workspaceId: string, credentialId: string | null | undefined, connector: RegisteredConnector): Promise<void> {
    if (!credentialId) return;
    const credential = await this.credentials.summary(workspaceId, credentialId);
    if (!credential) {
      throw ApiError.badRequest(HostErrorCode.CredentialNotFound, `Credential ${credentialId} not found in this workspace`, [
        { path: 'credentialId', message: 'no such credential in this workspace' },
      ]);
    }
    const auth = connector.definition.auth;
    const problem =
      auth.type === 'none'
        ? `${connector.definition.name} needs no credential`
        : credential.type !== auth.type
          ? `${connector.definition.name} signs in with ${auth.type}; credential "${credential.label}" is ${credential.type}`
          : auth.type === 'oauth2' && credential.provider !== auth.provider
            ? `${connector.definition.name} signs in with ${auth.provider}; credential "${credential.label}" is from ${credential.provider ?? 'no provider'}`
            : null;
    if (problem) {
      throw ApiError.badRequest(HostErrorCode.CredentialTypeMismatch, problem, [{ path: 'credentialId', message: problem }]);
    }
  }

  /** Audited in the transaction that flips `enabled`: who turned which installation on or off. */
  private recordToggle(
    manager: EntityManager,
    row: InstallationEntity,
    action: 'installation.enabled' | 'installation.disabled',
    actorUserId: string | null,
  ): Promise<void> {
    return this.audit.record(
      {
        workspaceId: row.workspaceId,
        actorUserId,
        action,
        targetType: 'installation',
        targetId: row.id,
        details: { connectorId: row.connectorId, name: row.name },
      },
      manager,
    );
  }

  private connectorOf(row: InstallationEntity): RegisteredConnector {
    const connector = this.registry.find(row.connectorId);
    if (!connector) {
      throw ApiError.conflict(
        HostErrorCode.ConnectorUnavailable,
        `Connector "${row.connectorId}" is not part of this hub any more; this installation can only be read or deleted`,
      );
    }
    return connector;
  }

  private async load(workspaceId: string, id: string, manager?: EntityManager): Promise<InstallationEntity> {
    const row = isUuid(id) ? await this.store.find(workspaceId, id, manager) : null;
    if (!row) throw notFound();
    return row;
  }

  private async lock(manager: EntityManager, workspaceId: string, id: string): Promise<InstallationEntity> {
    const row = isUuid(id) ? await this.store.findForUpdate(manager, workspaceId, id) : null;
    if (!row) throw notFound();
    return row;
  }

  private async view(row: InstallationEntity): Promise<InstallationView> {
    const names = await this.store.secretNames(row.workspaceId, [row.id]);
    const extra = await this.extension?.describe(row.workspaceId, [row]);
    return { ...toInstallationView(row, this.secretsSet(row, names.get(row.id))), ...extra?.get(row.id) };
  }

  private secretsSet(row: InstallationEntity, names: string[] | null | undefined): string[] {
    if (names === undefined) return [];
    if (names === null) {
      this.logger.warn({ msg: 'installation secrets cannot be opened (key missing from HUB_ENCRYPTION_KEYS?)', installationId: row.id });
      return this.registry.find(row.connectorId)?.secretKeys ?? [];
    }
    return names;
  }
}
