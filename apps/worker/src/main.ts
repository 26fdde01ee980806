import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadConfigOrExit } from '@hub/config';
import { AllExceptionsFilter } from '@hub/http';
import { closeOnSignals } from '@hub/observability';
import { loadOAuthProvidersOrExit } from '@hub/vault';
import { Logger } from 'nestjs-pino';
import { WorkerAppModule } from './worker-app.module';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  // OAuth provider variables are checked together (a client id without its secret, a bad URL).
  loadOAuthProvidersOrExit(config, config.HUB_PUBLIC_URL);
  const app = await NestFactory.create(WorkerAppModule.forRoot(config), { bufferLogs: true, bodyParser: false });
  const logger = app.get(Logger);
  app.useLogger(logger);
  app.useGlobalFilters(new AllExceptionsFilter());
  closeOnSignals(app, config.HUB_SHUTDOWN_TIMEOUT_MS, (msg) => logger.log(msg));
  // Only /health/* and /metrics are served: the worker has no public API.
  await app.listen(config.WORKER_PORT, '0.0.0.0');
  logger.log({ msg: 'worker listening for health and metrics', port: config.WORKER_PORT });
}

main().catch((err: Error) => {
  process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: 'worker failed to start', error: err.message })}\n`);
  process.exit(1);
});
