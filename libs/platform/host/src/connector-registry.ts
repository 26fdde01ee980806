import {
  assertValidDefinition,
  type ConnectorDefinition,
  InvalidDefinitionError,
  type JsonSchema,
  secretKeys,
  toJsonSchema,
} from '@hub/sdk';
import { connectorQueueName } from '@hub/queue';
import { ConnectorRegistryError } from './host.exception';

/** A connector as the catalog API shows it. */
export interface ConnectorView {
  id: string;
  name: string;
  description: string;
  version: string;
  category: string;
  auth: Record<string, unknown> & { type: string };
  /** JSON Schema 2020-12; secret fields carry `"secret": true, "writeOnly": true`. */
  settingsSchema: JsonSchema;
  secretSettings: string[];
  actions: { key: string; title: string; description?: string; inputSchema: JsonSchema }[];
  jobs: { key: string; title: string; description?: string; schedule?: { everyMs: number } | { cron: string } }[];
  limits: { concurrency?: number; ratePerSecond?: number };
}

export interface RegisteredConnector {
  definition: ConnectorDefinition;
  queueName: string;
  /** Top-level settings marked `secret()`: stored in the vault, masked in responses. */
  secretKeys: string[];
  view: ConnectorView;
}

function describe(def: ConnectorDefinition): ConnectorView {
  return {
    id: def.id,
    name: def.name,
    description: def.description,
    version: def.version,
    category: def.category,
    auth: { ...def.auth },
    settingsSchema: toJsonSchema(def.settings),
    secretSettings: secretKeys(def.settings),
    actions: Object.entries(def.actions ?? {}).map(([key, a]) => ({
      key,
      title: a.title,
      ...(a.description ? { description: a.description } : {}),
      inputSchema: toJsonSchema(a.input),
    })),
    jobs: Object.entries(def.jobs ?? {}).map(([key, j]) => ({
      key,
      title: j.title,
      ...(j.description ? { description: j.description } : {}),
      ...(j.schedule ? { schedule: { ...j.schedule } } : {}),
    })),
    limits: { ...(def.limits ?? {}) },
  };
}

/**
 * The connectors this hub runs, validated once at boot. A bad definition stops the process with
 * a message naming the connector and the field, instead of failing later on a user's request.
 */
export class ConnectorRegistry {
  private readonly byId = new Map<string, RegisteredConnector>();

  constructor(definitions: readonly unknown[]) {
    if (!Array.isArray(definitions)) {
      throw new ConnectorRegistryError('HostModule.forRoot({ connectors }) needs an array of connector definitions');
    }
    definitions.forEach((def, index) => {
      try {
        assertValidDefinition(def);
      } catch (err) {
        if (err instanceof InvalidDefinitionError) {
          throw new ConnectorRegistryError(`connectors[${index}]: ${err.message}`);
        }
        throw err;
      }
      const existing = this.byId.get(def.id);
      if (existing) {
        const first = definitions.indexOf(existing.definition);
        throw new ConnectorRegistryError(
          `connectors[${index}]: connector id "${def.id}" is already used by connectors[${first}]; ids must be unique`,
        );
      }
      this.byId.set(def.id, {
        definition: def,
        queueName: connectorQueueName(def.id),
        secretKeys: secretKeys(def.settings),
        view: describe(def),
      });
    });
  }

  list(): RegisteredConnector[] {
    return [...this.byId.values()].sort((a, b) => a.definition.id.localeCompare(b.definition.id));
  }

  find(id: string): RegisteredConnector | undefined {
    return this.byId.get(id);
  }

  queueNames(): string[] {
    return this.list().map((c) => c.queueName);
  }
}
