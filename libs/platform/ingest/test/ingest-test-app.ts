import { randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AdminUsersService, AuthModule } from '@hub/auth';
import { HubConfigModule, loadConfig } from '@hub/config';
// The edge is tested with the real Segment connector: a test-only reach across the boundary.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { segmentDestinationConnector } from '@hub/connector-segment-destination';
import { HostModule } from '@hub/host';
import { AllExceptionsFilter } from '@hub/http';
import { PersistenceModule, runMigrations } from '@hub/persistence';
import { QueueModule } from '@hub/queue';
import type { ConnectorDefinition } from '@hub/sdk';
import { VaultModule } from '@hub/vault';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { IngestModule } from '../src/ingest.module';

export interface IngestTestApp {
  app: NestExpressApplication;
  http: () => ReturnType<typeof request>;
  db: DataSource;
  /** `http://127.0.0.1:<port>` of the listening app (for real clients such as analytics-node). */
  baseUrl: string;
  close: () => Promise<void>;
}

export interface Tenant {
  ws: string;
  auth: string;
}

export interface SegmentInstallation {
  id: string;
  apiKey: string;
  writeKey: string;
  body: Record<string, unknown>;
}

/**
 * The admin app's ingestion edge on the run's database, composed and configured as
 * apps/admin composes it (main.ts: `bodyParser: false` and a 1 MB JSON parser for the admin API).
 * `ingestDatabaseUrl` points only the ingest pool elsewhere (a proxy the test can cut).
 */
export async function startIngestApp(
  options: { ingestDatabaseUrl?: string; connectors?: ConnectorDefinition[]; env?: Record<string, string> } = {},
): Promise<IngestTestApp> {
  const url = process.env.DATABASE_URL as string;
  await runMigrations(url);
  const config = loadConfig({ ...process.env, DATABASE_URL: url, ...options.env });
  const connectors = options.connectors ?? [segmentDestinationConnector];
  @Module({
    imports: [
      HubConfigModule.forRoot(config),
      PersistenceModule.forRoot({ url, poolSize: 4 }),
      VaultModule,
      QueueModule.forRoot(),
      AuthModule,
      HostModule.forRoot({ connectors }),
      IngestModule.forRoot({ connectors, databaseUrl: options.ingestDatabaseUrl, poolSize: 4 }),
    ],
  })
  class IngestTestModule {}
  const app = await NestFactory.create<NestExpressApplication>(IngestTestModule, { logger: false, bodyParser: false });
  app.useGlobalFilters(new AllExceptionsFilter());
  app.useBodyParser('json', { limit: '1mb' });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return {
    app,
    http: () => request(app.getHttpServer()),
    db: app.get(DataSource),
    baseUrl: `http://127.0.0.1:${address.port}`,
    close: () => app.close(),
  };
}

export async function tenant(t: IngestTestApp): Promise<Tenant> {
  const email = `ingest-${randomUUID().slice(0, 8)}@example.com`;
  const password = `pw-${randomUUID()}`;
  await t.app.get(AdminUsersService).create({ email, password });
  const login = await t.http().post('/api/v1/auth/login').send({ email, password }).expect(200);
  const auth = `Bearer ${login.body.token}`;
  const ws = await t.http().post('/api/v1/workspaces').set('authorization', auth).send({ name: `Ingest ${randomUUID().slice(0, 6)}` }).expect(201);
  return { ws: ws.body.id as string, auth };
}

export async function segmentInstallation(t: IngestTestApp, who: Tenant, enabled = true): Promise<SegmentInstallation> {
  const res = await t
    .http()
    .post(`/api/v1/workspaces/${who.ws}/installations`)
    .set('authorization', who.auth)
    .send({ connectorId: 'segment-destination', name: 'Segment', settings: {}, enabled });
  if (res.status !== 201) throw new Error(`installation not created: ${res.status} ${res.text}`);
  const keys = res.body.inboundKeys as { name: string; value: string }[];
  const key = (name: string) => keys.find((k) => k.name === name)?.value as string;
  return { id: res.body.id, apiKey: key('apiKey'), writeKey: key('writeKey'), body: res.body };
}

export const basic = (key: string): string => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

/** The inbox rows of an installation, oldest first. */
export async function inboxRows(t: IngestTestApp, installationId: string): Promise<{ id: string; event_count: number; events: Record<string, unknown>[] }[]> {
  return t.db.query(`SELECT id::text, event_count, events FROM inbox WHERE installation_id = $1 ORDER BY inbox.id`, [installationId]);
}

export async function rejectedRows(
  t: IngestTestApp,
  installationId: string,
): Promise<{ message_id: string | null; batch_index: number; errors: { path: string; message: string }[]; bytes: number | null; payload: unknown }[]> {
  return t.db.query(`SELECT message_id, batch_index, errors, bytes, payload FROM rejected_events WHERE installation_id = $1 ORDER BY id`, [installationId]);
}

/** A POST with the body bytes exactly as given (supertest re-encodes Buffers it thinks are JSON). */
export async function rawPost(
  t: IngestTestApp,
  path: string,
  headers: Record<string, string>,
  body: Buffer | string,
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${t.baseUrl}${path}`, { method: 'POST', headers, body });
  const text = await res.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { text };
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
