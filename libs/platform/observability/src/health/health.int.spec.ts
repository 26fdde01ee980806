import { Body, CanActivate, Controller, ExecutionContext, Injectable, Logger, type INestApplication, Module, Param, Post } from '@nestjs/common';
import { APP_GUARD, NestFactory, Reflector } from '@nestjs/core';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { Client } from 'pg';
import request from 'supertest';
import { IS_PUBLIC } from '@hub/auth';
import { HubConfigModule, type HubEnv, loadConfig } from '@hub/config';
import { AllExceptionsFilter, ApiError } from '@hub/http';
import { MIGRATIONS, PersistenceModule, runMigrations } from '@hub/persistence';
import { HubLogger, HealthModule, LoggingModule, MetricsModule } from '../index';
import { CaptureStream } from '../testing/capture-stream';

const CANARY = {
  bearer: 'canary-bearer-51ab',
  body: 'canary-body-62bc',
  writeKey: 'canary-writekey-73cd',
  cookie: 'canary-cookie-84de',
};

/** Stands in for the admin app's global bearer guard: only @Public() routes pass without a token. */
@Injectable()
class TestBearerGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}
  canActivate(context: ExecutionContext): boolean {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const header = context.switchToHttp().getRequest<{ headers: Record<string, string> }>().headers['authorization'];
    if (header !== `Bearer ${CANARY.bearer}`) throw ApiError.unauthorized();
    return true;
  }
}

@Controller('api/v1/workspaces/:ws/installations')
class InstallationsProbeController {
  private readonly logger = new Logger('InstallationsProbe');

  @Post(':id/check')
  check(@Param('ws') _ws: string, @Body() body: { settings?: unknown }): { ok: boolean } {
    this.logger.log({ msg: 'checking installation', settings: body.settings });
    return { ok: true };
  }
}

@Module({})
class TestAppModule {}

/** The shape both apps will have: config, persistence, then the observability modules. */
async function buildApp(
  overrides: Partial<HubEnv>,
  options: { databaseUrl?: string; stream?: CaptureStream; useLogger?: boolean } = {},
): Promise<INestApplication> {
  const config: HubEnv = { ...loadConfig(), LOG_LEVEL: 'debug', ...overrides };
  const app = await NestFactory.create(
    {
      module: TestAppModule,
      imports: [
      HubConfigModule.forRoot(config),
      PersistenceModule.forRoot({ url: options.databaseUrl ?? (process.env.DATABASE_URL as string), poolSize: 2 }),
      LoggingModule.forRoot(config, { service: 'admin', stream: options.stream ?? new CaptureStream() }),
      MetricsModule.forRoot(),
      HealthModule.forRoot({ redis: true }),
    ],
      controllers: [InstallationsProbeController],
      providers: [{ provide: APP_GUARD, useClass: TestBearerGuard }],
    },
    { abortOnError: false, ...(options.useLogger ? { bufferLogs: true } : { logger: false }) },
  );
  if (options.useLogger) {
    app.useLogger(app.get(PinoNestLogger));
    // Nest flushes buffered logs on listen(); a test app that only init()s flushes by hand.
    app.flushLogs();
  }
  app.useGlobalFilters(new AllExceptionsFilter());
  await app.init();
  return app;
}

beforeAll(async () => {
  await runMigrations(process.env.DATABASE_URL as string);
});

describe('observability in a Nest app (real PostgreSQL and Redis)', () => {
  const logs = new CaptureStream();
  let app: INestApplication;

  beforeAll(async () => {
    app = await buildApp({}, { stream: logs, useLogger: true });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('GET /health/live answers 200 without a token', async () => {
    const res = await request(app.getHttpServer()).get('/health/live').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('GET /health/ready answers 200 with every check up', async () => {
    const res = await request(app.getHttpServer()).get('/health/ready').expect(200);
    expect(res.body).toEqual({
      status: 'ok',
      checks: { database: { status: 'up' }, migrations: { status: 'up' }, redis: { status: 'up' } },
    });
  });

  it('a routed request logs reqId, workspace and installation ids, and no secret or body', async () => {
    logs.clear();
    await request(app.getHttpServer())
      .post('/api/v1/workspaces/w-1/installations/inst-1/check?code=oauth-code')
      .set('Authorization', `Bearer ${CANARY.bearer}`)
      .set('Cookie', `sid=${CANARY.cookie}`)
      .set('x-request-id', 'it-req-1')
      .send({ note: CANARY.body, settings: { writeKey: CANARY.writeKey } })
      .expect(201)
      .expect('x-request-id', 'it-req-1');

    for (const canary of Object.values(CANARY)) expect(logs.text).not.toContain(canary);
    expect(logs.text).not.toContain('oauth-code');
    const appLine = logs.lines.find((l) => l['msg'] === 'checking installation');
    expect(appLine).toMatchObject({
      level: 'info',
      service: 'admin',
      reqId: 'it-req-1',
      workspaceId: 'w-1',
      installationId: 'inst-1',
      context: 'InstallationsProbe',
      settings: '[Redacted]',
    });
    const completed = logs.lines.find((l) => l['msg'] === 'request completed');
    expect(completed).toMatchObject({
      level: 'info',
      reqId: 'it-req-1',
      workspaceId: 'w-1',
      installationId: 'inst-1',
      req: { method: 'POST', headers: { authorization: '[Redacted]', cookie: '[Redacted]' } },
      res: { statusCode: 201 },
    });
    expect(completed?.['req']).not.toHaveProperty('body');
  });

  it('a request without a sane x-request-id gets a generated one', async () => {
    logs.clear();
    const res = await request(app.getHttpServer()).get('/api/v1/workspaces/w-2/nothing').set('x-request-id', 'not sane!').expect(404);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(logs.lines.find((l) => l['msg'] === 'request completed')).toMatchObject({ level: 'warn', reqId: res.headers['x-request-id'] });
  });

  it('logs probes at debug only', async () => {
    logs.clear();
    await request(app.getHttpServer()).get('/health/live').expect(200);
    await request(app.getHttpServer()).get('/metrics').expect(200);
    const completions = logs.lines.filter((l) => l['msg'] === 'request completed');
    expect(completions).toHaveLength(2);
    expect(completions.every((l) => l['level'] === 'debug')).toBe(true);
  });

  it('HubLogger binds job ids for work outside a request', () => {
    logs.clear();
    app.get(HubLogger).bind({ workspaceId: 'w-9', installationId: 'inst-9', jobId: '42', runId: 'run-1' }).info('job done');
    expect(logs.lines).toEqual([
      expect.objectContaining({ msg: 'job done', service: 'admin', workspaceId: 'w-9', installationId: 'inst-9', jobId: '42', runId: 'run-1' }),
    ]);
  });

  it('GET /metrics serves Prometheus text with the HTTP histogram by route pattern and default metrics', async () => {
    await request(app.getHttpServer())
      .post('/api/v1/workspaces/w-3/installations/inst-3/check')
      .set('Authorization', `Bearer ${CANARY.bearer}`)
      .send({})
      .expect(201);
    const res = await request(app.getHttpServer()).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toContain('# TYPE hub_http_request_duration_seconds histogram');
    expect(res.text).toMatch(
      /hub_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/workspaces\/:ws\/installations\/:id\/check",status="201"\} [1-9]/,
    );
    expect(res.text).toMatch(/hub_http_request_duration_seconds_count\{method="GET",route="\/health\/ready",status="200"\} [1-9]/);
    expect(res.text).not.toContain('w-3');
    expect(res.text).toContain('hub_process_cpu_user_seconds_total');
    expect(res.text).toContain('hub_nodejs_eventloop_lag_seconds');
  });

  it('non-public routes still need the token (the guard is active)', async () => {
    await request(app.getHttpServer()).post('/api/v1/workspaces/w-1/installations/inst-1/check').send({}).expect(401);
  });
});

describe('readiness when a dependency is missing', () => {
  it('answers 503 naming redis, within 4 s, when Redis is unreachable', async () => {
    const app = await buildApp({ REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const started = Date.now();
        const res = await request(app.getHttpServer()).get('/health/ready').expect(503);
        expect(Date.now() - started).toBeLessThan(4000);
        expect(res.body).toMatchObject({
          status: 'down',
          code: 'NOT_READY',
          message: 'Not ready: redis down',
          checks: {
            database: { status: 'up' },
            migrations: { status: 'up' },
            redis: { status: 'down', message: expect.stringContaining('127.0.0.1:1') },
          },
        });
      }
      await request(app.getHttpServer()).get('/health/live').expect(200);
    } finally {
      await app.close();
    }
  });

  it('answers 503 naming migrations when the database was never migrated', async () => {
    const base = new URL(process.env.DATABASE_URL as string);
    const name = `${base.pathname.slice(1)}_obs_empty`;
    const admin = new Client({ connectionString: new URL('/postgres', base).toString() });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    const url = new URL(base.toString());
    url.pathname = `/${name}`;
    const app = await buildApp({}, { databaseUrl: url.toString() });
    try {
      const res = await request(app.getHttpServer()).get('/health/ready').expect(503);
      expect(res.body.checks).toEqual({
        database: { status: 'up' },
        migrations: { status: 'down', message: 'No migration has been applied: run npm run migrate' },
        redis: { status: 'up' },
      });
      expect(MIGRATIONS.length).toBeGreaterThan(0);
    } finally {
      await app.close();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    }
  });
});
