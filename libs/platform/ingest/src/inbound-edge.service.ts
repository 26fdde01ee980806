import { Injectable, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { BatchError } from '@hub/event-model';
import { connectorLogger, raceAbort, RunAbortedError } from '@hub/host';
import { ApiError } from '@hub/http';
import {
  AuthError,
  ConfigurationError,
  createHttpClient,
  type InboundAuthResult,
  type InboundContext,
  type InboundRequest,
  type InboundResponse,
  isConnectorError,
  primeJsonBody,
  ValidationError,
} from '@hub/sdk';
import { InboxWriter } from './inbox-writer.service';
import type { InboundHttpRequest, InboundRequestState } from './inbound-body.reader';
import { InboundInstallations, type InstallationSnapshot } from './inbound-installations.service';
import { basicAuthKey } from './inbound-key-codec';
import { InboundKeysService } from './inbound-keys.service';
import type { ServedRoute } from './inbound-routes';
import { IngestErrors, InboundLimitError, InboxUnavailableError } from './ingest.exception';

/** Segment gives up after 5 s; past this the answer is 503 (retry), never a late 2xx. */
export const INBOUND_DEADLINE_MS = 4500;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Authenticated {
  snapshot: InstallationSnapshot;
  /** One entry for a key; one per live shared secret for a signature (tried in turn). */
  candidates: InboundAuthResult[];
}

/** A database error the sender cannot fix: any failure to read keys or to write the inbox. */
function isStorageFailure(err: unknown): boolean {
  if (err instanceof InboxUnavailableError) return true;
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && (/^(08|53|57|58)/.test(code) || ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(code));
}

const storageMessage = /timeout|terminated|Connection|ECONN|connect/i;

/**
 * Runs an inbound request through its connector's route: authenticate with the keys the hub
 * issued (or the installation's shared secret for signed routes), check the installation is
 * enabled, then `verify` and `handle` with a context whose `emit` commits to the inbox. Every
 * failure becomes an answer with a `message`; storage failures and the deadline become 503.
 */
@Injectable()
export class InboundEdge {
  private readonly logger = new Logger('InboundEdge');

  constructor(
    private readonly keys: InboundKeysService,
    private readonly installations: InboundInstallations,
    private readonly writer: InboxWriter,
  ) {}

  async handle(req: InboundHttpRequest, res: Response): Promise<void> {
    const state = req.hubInbound;
    if (!state) throw new Error('inbound route served without its body reader');
    const signal = AbortSignal.timeout(INBOUND_DEADLINE_MS);
    let answer: InboundResponse;
    try {
      answer = await raceAbort(this.run(state, req, signal), signal);
    } catch (err) {
      throw this.toHttpError(err, state.route);
    }
    res.status(answer.status);
    for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
    res.json(answer.body ?? {});
  }

  private async run(state: InboundRequestState, req: InboundHttpRequest, signal: AbortSignal): Promise<InboundResponse> {
    const { route } = state;
    const request: InboundRequest = {
      method: 'POST',
      rawBody: state.rawBody,
      headers: state.headers,
      query: Object.fromEntries(Object.entries(req.query ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string')),
      params: { ...(req.params as Record<string, string>) },
    };
    const { snapshot, candidates } = await this.authenticate(route, request);
    if (!snapshot.enabled) throw IngestErrors.disabled();
    if (!snapshot.settings) throw IngestErrors.misconfigured();

    const edgeLogger = this.logger;
    let logger: InboundContext<Record<string, unknown>>['logger'] | undefined;
    const context = (auth: InboundAuthResult): InboundContext<Record<string, unknown>> => ({
      workspaceId: snapshot.workspaceId,
      installationId: snapshot.installationId,
      settings: snapshot.settings as Record<string, unknown>,
      credentials: { type: 'none' },
      get http() {
        return createHttpClient({ fetch: globalThis.fetch, signal, defaultTimeoutMs: 3000 });
      },
      // Built on first use: most requests never log.
      get logger() {
        return (logger ??= connectorLogger(
          edgeLogger,
          { workspaceId: snapshot.workspaceId, installationId: snapshot.installationId, connectorId: route.connector.id, runId: `inbound:${route.key}` },
          snapshot.redactor,
        ));
      },
      emit: (events, options) =>
        this.writer.emit({ workspaceId: snapshot.workspaceId, installationId: snapshot.installationId }, events, options, {
          receivedAt: state.receivedAt,
          omitFromPayload: route.bodyKeyFields,
          signal,
        }),
      signal,
      auth,
    });

    // During a secret rotation's grace period either secret verifies.
    let ctx = context(candidates[0]);
    if (route.route.verify) {
      let lastError: unknown;
      let verified = false;
      for (const auth of candidates) {
        ctx = context(auth);
        try {
          await route.route.verify(request, ctx);
          verified = true;
          break;
        } catch (err) {
          if (!(err instanceof AuthError)) throw err;
          lastError = err;
        }
      }
      if (!verified) throw lastError;
    }
    return (await route.route.handle(request, ctx)) ?? { status: 200, body: { success: true } };
  }

  private async authenticate(route: ServedRoute, request: InboundRequest): Promise<Authenticated> {
    const basic = basicAuthKey(request.headers['authorization']);
    const signatureParam = route.auth.find((a) => a.type === 'signature');
    for (const spec of route.auth) {
      if (spec.type === 'key') {
        const key = basic ?? (spec.bodyField ? bodyField(request.rawBody, spec.bodyField) : undefined);
        if (!key) continue;
        const match = await this.keys.findByKey(key);
        if (!match || match.name !== spec.key) throw IngestErrors.invalidKey();
        const snapshot = await this.installations.snapshot(match.installationId);
        if (!snapshot || snapshot.connectorId !== route.connector.id || snapshot.workspaceId !== match.workspaceId) {
          throw IngestErrors.invalidKey();
        }
        // On a per-installation URL, a key of another installation proves nothing.
        if (signatureParam?.type === 'signature' && request.params?.[signatureParam.param] !== match.installationId) {
          throw IngestErrors.invalidKey('this key belongs to another installation');
        }
        return { snapshot, candidates: [{ method: 'key', key: spec.key }] };
      }
      const id = request.params?.[spec.param];
      if (!id || !UUID.test(id)) continue;
      const snapshot = await this.installations.snapshot(id.toLowerCase());
      if (!snapshot || snapshot.connectorId !== route.connector.id) throw IngestErrors.invalidKey('no such installation');
      if (snapshot.sharedSecrets.length === 0) continue;
      return { snapshot, candidates: snapshot.sharedSecrets.map((sharedSecret) => ({ method: 'signature', sharedSecret })) };
    }
    throw IngestErrors.invalidKey(
      signatureParam ? 'send the API key as Basic auth, or sign the body with the shared secret the hub issued' : undefined,
    );
  }

  private toHttpError(err: unknown, route: ServedRoute): unknown {
    if (err instanceof ApiError) return err;
    if (err instanceof AuthError) return IngestErrors.invalidKey(err.message);
    if (err instanceof ValidationError) return IngestErrors.malformed(err.message);
    if (err instanceof BatchError) return IngestErrors.malformed(`The batch is invalid: ${err.message}`);
    if (err instanceof InboundLimitError) return IngestErrors.tooLarge(err.message);
    if (err instanceof RunAbortedError || isStorageFailure(err) || storageMessage.test((err as Error)?.message ?? '')) {
      this.logger.warn({ msg: 'inbound request not stored', route: `${route.connector.id}.${route.key}`, err: (err as Error)?.message });
      return IngestErrors.unavailable();
    }
    if (err instanceof ConfigurationError) return IngestErrors.misconfigured();
    this.logger.error({
      msg: 'inbound route failed',
      route: `${route.connector.id}.${route.key}`,
      err: isConnectorError(err) ? err.toJSON() : { name: (err as Error)?.name, message: (err as Error)?.message },
    });
    return IngestErrors.routeFailed();
  }
}

/**
 * A key sent as a top-level body field (the Tracking API's `writeKey`); never throws. The parse
 * is primed for the connector: its own `parseJsonBody` of the same bytes gets this result
 * instead of parsing the body a second time (this function only reads it).
 */
function bodyField(raw: Buffer, field: string): string | undefined {
  let body: unknown;
  try {
    body = primeJsonBody(raw);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !Object.hasOwn(body, field)) return undefined;
  const value = (body as Record<string, unknown>)[field];
  return typeof value === 'string' && value.length > 0 && value.length <= 512 ? value : undefined;
}
