import { randomUUID } from 'node:crypto';
import { Controller, Get, type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type HubEnv, HubConfigModule, loadConfig } from '@hub/config';
import { AllExceptionsFilter } from '@hub/http';
import { PersistenceModule, runMigrations } from '@hub/persistence';
import request, { type Response } from 'supertest';
import { DataSource } from 'typeorm';
import { AuthModule } from '../src/auth.module';
import { CurrentPrincipal, type Principal, Public } from '../src/principal';
import { AdminUsersService } from '../src/users/admin-users.service';

/** Routes outside this module, to check the global guard as other modules will meet it. */
@Controller('test')
class ProbeController {
  @Get('private')
  whoAmI(@CurrentPrincipal() principal: Principal): Principal {
    return principal;
  }

  @Public()
  @Get('public')
  open(): { ok: true } {
    return { ok: true };
  }
}

export interface AuthTestApp {
  app: INestApplication;
  http: () => ReturnType<typeof request>;
  db: DataSource;
  users: AdminUsersService;
  close: () => Promise<void>;
}

/** The auth module in a real Nest app on the run's database, as the admin app composes it. */
export async function startAuthApp(url = process.env.DATABASE_URL as string, overrides: Partial<HubEnv> = {}): Promise<AuthTestApp> {
  await runMigrations(url);
  const config = { ...loadConfig({ ...process.env, DATABASE_URL: url }), HUB_SESSION_TTL_HOURS: 2, ...overrides };
  @Module({
    imports: [HubConfigModule.forRoot(config), PersistenceModule.forRoot({ url, poolSize: 4 }), AuthModule],
    controllers: [ProbeController],
  })
  class TestAppModule {}
  const app = await NestFactory.create(TestAppModule, { logger: false });
  app.useGlobalFilters(new AllExceptionsFilter());
  await app.init();
  return {
    app,
    http: () => request(app.getHttpServer()),
    db: app.get(DataSource),
    users: app.get(AdminUsersService),
    close: () => app.close(),
  };
}

export const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

export interface TestUser {
  id: string;
  email: string;
  password: string;
}

export async function createUser(t: AuthTestApp, options: { instanceAdmin?: boolean; email?: string } = {}): Promise<TestUser> {
  const email = options.email ?? `${unique('user')}@example.test`;
  const password = `pw-${randomUUID()}`;
  const user = await t.users.create({ email, password, isInstanceAdmin: options.instanceAdmin });
  return { id: user.id, email, password };
}

export async function login(t: AuthTestApp, user: TestUser): Promise<string> {
  const res = await t.http().post('/api/v1/auth/login').send({ email: user.email, password: user.password });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
  return res.body.token as string;
}

export async function createWorkspace(t: AuthTestApp, token: string, name = unique('Workspace')): Promise<{ id: string; slug: string }> {
  const res = await t.http().post('/api/v1/workspaces').set('authorization', `Bearer ${token}`).send({ name });
  if (res.status !== 201) throw new Error(`workspace creation failed: ${res.status} ${res.text}`);
  return res.body;
}

/** Every error body: the API shape, and nothing that looks like a stack trace. */
export function expectCleanError(res: Response, status: number, code?: string): void {
  expect(res.status).toBe(status);
  expect(res.body).toEqual({
    statusCode: status,
    error: expect.any(String),
    message: expect.any(String),
    code: code ?? expect.any(String),
    ...(res.body.fields ? { fields: expect.any(Array) } : {}),
  });
  expect(res.text).not.toMatch(/\bat .+\(.*:\d+:\d+\)|\n\s+at /);
  expect(res.body).not.toHaveProperty('stack');
}
