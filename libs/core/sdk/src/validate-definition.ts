import { z } from 'zod';
import type { ConnectorDefinition } from './definition';
import type { FieldError } from './errors';
import { toJsonSchema } from './settings';

const kebab = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const camel = /^[a-z][a-zA-Z0-9]*$/;
// semver 2.0.0, without build metadata
const semver = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-.]+)?$/;
const cron = /^(\S+\s+){4,5}\S+$/;

const isZod = (v: unknown) => v instanceof z.ZodType;
const isFn = (v: unknown) => typeof v === 'function';

const authShape = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  z.object({ type: z.literal('apiKey'), label: z.string().optional() }).strict(),
  z.object({ type: z.literal('basic'), label: z.string().optional() }).strict(),
  z
    .object({
      type: z.literal('oauth2'),
      provider: z.string().regex(kebab, 'must be a provider key in kebab-case'),
      scopes: z.array(z.string().min(1)),
      tokenFields: z.array(z.string().min(1)).optional(),
    })
    .strict(),
]);

const actionShape = z
  .object({
    title: z.string().min(1),
    description: z.string().optional(),
    input: z.custom(isZod, 'must be a zod schema'),
    perform: z.custom(isFn, 'must be a function'),
    performBatch: z.custom(isFn, 'must be a function').optional(),
    batch: z
      .object({ maxItems: z.number().int().positive(), maxBytes: z.number().int().positive().optional() })
      .strict()
      .optional(),
  })
  .strict();

const jobShape = z
  .object({
    title: z.string().min(1),
    description: z.string().optional(),
    payload: z.custom(isZod, 'must be a zod schema'),
    schedule: z
      .union([
        z.object({ everyMs: z.number().int().min(1000, 'must be at least 1000 ms') }).strict(),
        z.object({ cron: z.string().regex(cron, 'must be a 5 or 6 field cron expression') }).strict(),
      ])
      .optional(),
    retry: z
      .object({ attempts: z.number().int().min(1).max(50), backoffMs: z.number().int().min(100) })
      .strict()
      .optional(),
    run: z.custom(isFn, 'must be a function'),
  })
  .strict();

// `/hooks/segment`, `/v1/:type`: lower-case literal segments and `:name` parameters only.
const inboundPath = /^(\/([a-z0-9][a-z0-9._-]*|:[a-zA-Z][a-zA-Z0-9]*))+$/;

const inboundShape = z
  .object({
    title: z.string().min(1),
    path: z.string().regex(inboundPath, 'must be an absolute path of literal segments and :params, e.g. /hooks/acme/:installationId').optional(),
    auth: z
      .array(
        z.discriminatedUnion('type', [
          z.object({ type: z.literal('key'), key: z.string().regex(camel, 'must name a key of inboundKeys'), bodyField: z.string().min(1).optional() }).strict(),
          z.object({ type: z.literal('signature'), param: z.string().regex(camel, 'must name a :param of the path') }).strict(),
        ]),
      )
      .min(1)
      .optional(),
    maxBodyBytes: z.number().int().min(1024).max(64 * 1024 * 1024).optional(),
    verify: z.custom(isFn, 'must be a function').optional(),
    handle: z.custom(isFn, 'must be a function'),
  })
  .strict();

const keySpec = z.object({ title: z.string().min(1), description: z.string().optional() }).strict();

const keyed = <T extends z.ZodType>(shape: T, what: string) =>
  z.record(z.string().regex(camel, `${what} keys must be camelCase`), shape).optional();

const definitionShape = z
  .object({
    id: z.string().regex(kebab, 'must be kebab-case (e.g. segment-source)').max(64),
    version: z.string().regex(semver, 'must be a semver version (e.g. 1.0.0)'),
    name: z.string().min(1).max(100),
    description: z.string().min(1).max(500),
    category: z.enum(['source', 'destination', 'enrichment', 'warehouse', 'utility']),
    settings: z.custom((v) => v instanceof z.ZodObject, 'must be a zod object schema'),
    auth: authShape,
    check: z.custom(isFn, 'must be a function').optional(),
    actions: keyed(actionShape, 'action'),
    jobs: keyed(jobShape, 'job'),
    inbound: keyed(inboundShape, 'inbound route'),
    inboundKeys: keyed(keySpec, 'inbound key'),
    inboundSecret: keySpec.optional(),
    limits: z
      .object({
        concurrency: z.number().int().min(1).max(100).optional(),
        ratePerSecond: z.number().positive().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/** Every problem with a definition, as per-field errors. The host refuses to boot on any. */
export function validateDefinition(def: unknown): FieldError[] {
  const parsed = definitionShape.safeParse(def);
  const errors: FieldError[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  if (!parsed.success) return errors;
  const d = def as ConnectorDefinition;
  const schemas: [string, z.ZodType][] = [['settings', d.settings]];
  for (const [key, a] of Object.entries(d.actions ?? {})) schemas.push([`actions.${key}.input`, a.input]);
  for (const [key, j] of Object.entries(d.jobs ?? {})) schemas.push([`jobs.${key}.payload`, j.payload]);
  errors.push(...inboundRouteErrors(d));
  for (const [path, schema] of schemas) {
    try {
      toJsonSchema(schema);
    } catch (err) {
      errors.push({ path, message: `cannot be expressed as JSON Schema: ${(err as Error).message}` });
    }
  }
  return errors;
}

/** Cross-field rules of inbound routes: served routes are authenticated with what the connector declares. */
function inboundRouteErrors(d: ConnectorDefinition): FieldError[] {
  const errors: FieldError[] = [];
  for (const [key, route] of Object.entries(d.inbound ?? {})) {
    const at = `inbound.${key}`;
    if ((route.path === undefined) !== (route.auth === undefined)) {
      errors.push({ path: at, message: 'path and auth go together: a served route must say how it is authenticated' });
    }
    const params = new Set((route.path ?? '').split('/').filter((s) => s.startsWith(':')).map((s) => s.slice(1)));
    (route.auth ?? []).forEach((auth, i) => {
      if (auth.type === 'key' && !Object.hasOwn(d.inboundKeys ?? {}, auth.key)) {
        errors.push({ path: `${at}.auth.${i}.key`, message: `"${auth.key}" is not declared in inboundKeys` });
      }
      if (auth.type === 'signature') {
        if (!params.has(auth.param)) errors.push({ path: `${at}.auth.${i}.param`, message: `the path has no :${auth.param} segment` });
        if (!d.inboundSecret) errors.push({ path: `${at}.auth.${i}`, message: 'signature auth needs inboundSecret' });
        if (!route.verify) errors.push({ path: `${at}.verify`, message: 'signature auth needs a verify function' });
      }
    });
  }
  return errors;
}

export class InvalidDefinitionError extends Error {
  constructor(
    readonly connectorId: string,
    readonly fields: FieldError[],
  ) {
    super(
      `Connector definition "${connectorId}" is invalid: ` +
        fields.map((f) => `${f.path || '(definition)'} ${f.message}`).join('; '),
    );
    this.name = 'InvalidDefinitionError';
  }
}

export function assertValidDefinition(def: unknown): asserts def is ConnectorDefinition {
  const errors = validateDefinition(def);
  if (errors.length) {
    const id = (def as { id?: unknown })?.id;
    throw new InvalidDefinitionError(typeof id === 'string' ? id : '(unknown)', errors);
  }
}

/** Converts zod issues into the per-field errors the API returns. */
export function zodFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}
