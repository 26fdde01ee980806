import {
  assertValidDefinition,
  createHttpClient,
  ValidationError,
  zodFieldErrors,
  type ActionDefinition,
  type AuthSpec,
  type BatchItemResult,
  type CheckResult,
  type Checkpoints,
  type ConnectorContext,
  type ConnectorDefinition,
  type ConnectorLogger,
  type Credentials,
  type InboundResponse,
  type JobContext,
  type SettingsSchema,
} from '@hub/sdk';
import type { z } from 'zod';
import {
  createCapturingFetch,
  InterceptTable,
  type CapturedRequest,
  type InterceptOptions,
  type RequestMatcher,
  type Responder,
  type UnmatchedRequestError,
} from './intercept';
import { refusedConnections, withNetworkDisabled } from './network';

export const TEST_WORKSPACE_ID = '00000000-0000-4000-8000-00000000000a';
export const TEST_INSTALLATION_ID = '00000000-0000-4000-8000-00000000000b';
export const TEST_RUN_ID = '00000000-0000-4000-8000-00000000000c';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogLine {
  level: LogLevel;
  msg: string;
  fields?: Record<string, unknown>;
}

export interface CallOptions<S extends SettingsSchema> {
  /** Raw settings as an admin would save them; validated with the definition's schema. */
  settings: z.input<S> | Record<string, unknown>;
  /** Defaults to test credentials of the definition's auth type. */
  credentials?: Credentials;
  signal?: AbortSignal;
}

export interface RunResult<R> {
  result: R;
  requests: CapturedRequest[];
  emitted: unknown[];
  logs: LogLine[];
}

export interface JobRunResult<R> extends RunResult<R> {
  /** The checkpoint after the run, as the host would have persisted it. */
  checkpoint: unknown;
}

/**
 * Test credentials per auth type. For `apiKey`, the key is the settings' `apiKey` when present,
 * since apiKey connectors keep the key as a secret setting.
 */
export function testCredentials(auth: AuthSpec, settings: Record<string, unknown> = {}): Credentials {
  switch (auth.type) {
    case 'none':
      return { type: 'none' };
    case 'apiKey':
      return { type: 'apiKey', apiKey: typeof settings['apiKey'] === 'string' ? settings['apiKey'] : 'test-api-key' };
    case 'basic':
      return { type: 'basic', username: 'test-user', password: 'test-password' };
    case 'oauth2':
      return { type: 'oauth2', accessToken: 'test-access-token', metadata: {} };
  }
}

/**
 * The headers the host's pre-authenticated client adds for a credential. OAuth 2.0 and basic
 * auth have one standard header; an API key's placement is the connector's business.
 */
export function credentialHeaders(credentials: Credentials): Record<string, string> {
  if (credentials.type === 'oauth2') return { authorization: `Bearer ${credentials.accessToken}` };
  if (credentials.type === 'basic') {
    const token = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
    return { authorization: `Basic ${token}` };
  }
  return {};
}

async function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, what: string): Promise<z.output<T>> {
  const parsed = await schema.safeParseAsync(value);
  if (parsed.success) return parsed.data;
  const fields = zodFieldErrors(parsed.error);
  throw new ValidationError(
    `${what} is invalid: ${fields.map((f) => `${f.path || '(root)'} ${f.message}`).join('; ')}`,
    fields,
  );
}

function jsonRoundTrip(value: unknown): unknown {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('A checkpoint must be a JSON value (the host stores it as jsonb).');
  return JSON.parse(text);
}

function recordingLogger(logs: LogLine[]): ConnectorLogger {
  const line = (level: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    logs.push(fields === undefined ? { level, msg } : { level, msg, fields });
  };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/**
 * Runs a connector's check, actions, jobs and inbound routes the way the host does: settings and
 * input validated with the definition's schemas, a context with fixed test ids, and an HTTP
 * client whose requests are captured and answered by `intercept(...)`, with the network disabled.
 *
 *   const t = createTestIntegration(acmeConnector);
 *   t.intercept('POST', 'https://api.acme.test/v1/ping', { status: 200, json: { ok: true } });
 *   const { result, requests } = await t.testAction('sendPing', { settings, input });
 */
export function createTestIntegration<S extends SettingsSchema>(definition: ConnectorDefinition<S>) {
  assertValidDefinition(definition);
  type Settings = z.output<S>;
  const table = new InterceptTable();
  const allRequests: CapturedRequest[] = [];

  async function run<R>(
    options: CallOptions<S>,
    fn: (ctx: ConnectorContext<Settings>) => Promise<R>,
  ): Promise<RunResult<R>> {
    const settings = await parseOrThrow(definition.settings, options.settings, 'Settings');
    const credentials = options.credentials ?? testCredentials(definition.auth, settings as Record<string, unknown>);
    if (credentials.type !== definition.auth.type) {
      throw new TypeError(
        `Credentials of type "${credentials.type}" given, but connector "${definition.id}" declares auth "${definition.auth.type}".`,
      );
    }
    const requests: CapturedRequest[] = [];
    const unmatched: UnmatchedRequestError[] = [];
    const emitted: unknown[] = [];
    const logs: LogLine[] = [];
    const fetch = createCapturingFetch({
      table,
      onRequest: (req) => {
        requests.push(req);
        allRequests.push(req);
      },
      onUnmatched: (err) => unmatched.push(err),
    });
    const ctx: ConnectorContext<Settings> = {
      workspaceId: TEST_WORKSPACE_ID,
      installationId: TEST_INSTALLATION_ID,
      settings,
      credentials,
      http: createHttpClient({ fetch, headers: () => credentialHeaders(credentials), signal: options.signal }),
      logger: recordingLogger(logs),
      async emit(events) {
        emitted.push(...events);
        return { accepted: events.length, rejected: [] };
      },
      signal: options.signal ?? new AbortController().signal,
    };

    const refusedBefore = refusedConnections().length;
    let outcome: { ok: true; value: R } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, value: await withNetworkDisabled(() => fn(ctx)) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    // A connector that swallows a fetch error must not hide an unanswered request or a real
    // connection attempt: those fail the test whatever the connector did with them.
    const loud = unmatched[0] ?? refusedConnections()[refusedBefore];
    if (loud) throw loud;
    if (!outcome.ok) throw outcome.error;
    return { result: outcome.value, requests, emitted, logs };
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  function actionOf(key: string): ActionDefinition<Settings, any, any> {
    const action = definition.actions?.[key];
    if (!action) {
      const known = Object.keys(definition.actions ?? {});
      throw new TypeError(`Connector "${definition.id}" has no action "${key}" (actions: ${known.join(', ') || 'none'}).`);
    }
    return action;
  }

  return {
    definition,

    /** Answers requests to `method url` (method `*` for any); see InterceptTable. */
    intercept(method: string, url: string | RegExp, responder: Responder, options?: InterceptOptions) {
      table.intercept(method, url, responder, options);
      return this;
    },

    respondWith(matcher: RequestMatcher, responder: Responder, options?: InterceptOptions) {
      table.respondWith(matcher, responder, options);
      return this;
    },

    /** Intercepts registered with `times` that were not used up. */
    pendingIntercepts(): string[] {
      return table.pending();
    },

    /** Every request captured since creation or the last `reset()`, including failed calls. */
    get requests(): readonly CapturedRequest[] {
      return allRequests;
    },

    /** Forgets intercepts and captured requests; call in `beforeEach`. */
    reset(): void {
      table.reset();
      allRequests.length = 0;
    },

    async testCheck(options: CallOptions<S>): Promise<RunResult<CheckResult>> {
      const check = definition.check;
      if (!check) throw new TypeError(`Connector "${definition.id}" has no check().`);
      return run(options, (ctx) => check.call(definition, ctx));
    },

    async testAction<O = unknown>(key: string, options: CallOptions<S> & { input: unknown }): Promise<RunResult<O>> {
      const action = actionOf(key);
      return run(options, async (ctx) => {
        const input = await parseOrThrow(action.input, options.input, `Input of action "${key}"`);
        return action.perform(ctx, input) as Promise<O>;
      });
    },

    /**
     * Runs a batch as the host delivers it: items that fail validation get a ValidationError
     * result and are not sent; the others go to `performBatch` (or `perform` one by one) in
     * chunks of `batch.maxItems`. One result per input, in input order.
     */
    async testBatchAction<O = unknown>(
      key: string,
      options: CallOptions<S> & { inputs: unknown[] },
    ): Promise<RunResult<BatchItemResult<O>[]>> {
      const action = actionOf(key);
      return run(options, async (ctx) => {
        const results: BatchItemResult<O>[] = new Array(options.inputs.length);
        const valid: { index: number; input: unknown }[] = [];
        for (const [index, raw] of options.inputs.entries()) {
          try {
            valid.push({ index, input: await parseOrThrow(action.input, raw, `Input ${index} of action "${key}"`) });
          } catch (error) {
            results[index] = { ok: false, error: error as Error };
          }
        }
        const chunkSize = action.batch?.maxItems ?? Math.max(valid.length, 1);
        for (let start = 0; start < valid.length; start += chunkSize) {
          const chunk = valid.slice(start, start + chunkSize);
          let out: BatchItemResult<O>[];
          if (action.performBatch) {
            out = await action.performBatch(ctx, chunk.map((c) => c.input));
          } else {
            out = [];
            for (const c of chunk) {
              try {
                out.push({ ok: true, output: (await action.perform(ctx, c.input)) as O });
              } catch (error) {
                out.push({ ok: false, error: error as Error });
              }
            }
          }
          if (out.length !== chunk.length) {
            throw new TypeError(`performBatch of "${key}" returned ${out.length} results for ${chunk.length} inputs.`);
          }
          chunk.forEach((c, i) => (results[c.index] = out[i]));
        }
        return results;
      });
    },

    async testJob<R = unknown>(
      key: string,
      options: CallOptions<S> & { payload: unknown; checkpoint?: unknown },
    ): Promise<JobRunResult<R>> {
      const job = definition.jobs?.[key];
      if (!job) {
        const known = Object.keys(definition.jobs ?? {});
        throw new TypeError(`Connector "${definition.id}" has no job "${key}" (jobs: ${known.join(', ') || 'none'}).`);
      }
      let stored = options.checkpoint === undefined ? undefined : jsonRoundTrip(options.checkpoint);
      const checkpoint: Checkpoints = {
        async get<T>() {
          return (stored === undefined ? undefined : jsonRoundTrip(stored)) as T | undefined;
        },
        async save(value) {
          stored = jsonRoundTrip(value);
        },
      };
      const out = await run(options, async (ctx) => {
        const payload = await parseOrThrow(job.payload, options.payload, `Payload of job "${key}"`);
        const jobCtx: JobContext<Settings> = { ...ctx, runId: TEST_RUN_ID, checkpoint };
        return job.run(jobCtx, payload) as Promise<R>;
      });
      return { ...out, checkpoint: stored };
    },

    async testInbound(
      key: string,
      options: CallOptions<S> & {
        method?: string;
        headers?: Record<string, string>;
        query?: Record<string, string>;
        rawBody: string | Buffer;
      },
    ): Promise<RunResult<InboundResponse | void>> {
      const route = definition.inbound?.[key];
      if (!route) {
        const known = Object.keys(definition.inbound ?? {});
        throw new TypeError(`Connector "${definition.id}" has no inbound route "${key}" (routes: ${known.join(', ') || 'none'}).`);
      }
      const req = {
        method: (options.method ?? 'POST').toUpperCase(),
        rawBody: typeof options.rawBody === 'string' ? Buffer.from(options.rawBody) : options.rawBody,
        headers: lowerCaseKeys(options.headers ?? {}),
        query: options.query ?? {},
      };
      return run(options, async (ctx) => {
        await route.verify?.(req, ctx);
        return route.handle(req, ctx);
      });
    },
  };
}

export type TestIntegration<S extends SettingsSchema = SettingsSchema> = ReturnType<typeof createTestIntegration<S>>;
