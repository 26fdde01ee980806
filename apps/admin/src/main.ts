import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfigOrExit } from '@hub/config';
import { bootstrapFirstAdminFromConfig } from '@hub/auth';
import { AllExceptionsFilter } from '@hub/http';
import { closeOnSignals } from '@hub/observability';
import { loadOAuthProvidersOrExit } from '@hub/vault';
import { Logger } from 'nestjs-pino';
import { AdminAppModule } from './admin-app.module';
import { setupOpenApi } from './openapi';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  // OAuth provider variables are checked together (a client id without its secret, a bad URL).
  loadOAuthProvidersOrExit(config, config.HUB_PUBLIC_URL);
  const app = await NestFactory.create<NestExpressApplication>(AdminAppModule.forRoot(config), {
    bufferLogs: true,
    // Body parsing is configured below, with explicit limits.
    bodyParser: false,
  });
  const logger = app.get(Logger);
  app.useLogger(logger);
  app.useGlobalFilters(new AllExceptionsFilter());
  app.disable('x-powered-by');
  if (config.HUB_TRUST_PROXY) app.set('trust proxy', true);
  app.useBodyParser('json', { limit: '1mb' });
  setupOpenApi(app, process.env.npm_package_version ?? '0.1.0');
  closeOnSignals(app, config.HUB_SHUTDOWN_TIMEOUT_MS, (msg) => logger.log(msg));
  await app.init();
  // Needs migrations applied (`npm run migrate`); a no-op once any admin exists.
  await bootstrapFirstAdminFromConfig(app);
  await app.listen(config.ADMIN_PORT, '0.0.0.0');
  logger.log({ msg: 'admin app listening', port: config.ADMIN_PORT });
}

main().catch((err: Error) => {
  process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: 'admin app failed to start', error: err.message })}\n`);
  process.exit(1);
});
