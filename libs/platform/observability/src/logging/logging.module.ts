import { type DynamicModule, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import type { HubEnv } from '@hub/config';
import { HUB_ROOT_LOGGER, HubLogger } from './hub-logger';
import { createHubLogger, httpLoggingOptions, type HubLoggerSettings } from './logger-options';
import { RequestContextInterceptor } from './request-context.interceptor';

export interface LoggingModuleOptions {
  service: HubLoggerSettings['service'];
  /** Where lines go (tests); stdout when absent. */
  stream?: HubLoggerSettings['stream'];
}

/**
 * JSON logs through pino for the whole app: request logs (pino-http, with `reqId` and the
 * route's workspace/installation ids), Nest's own logs once `app.useLogger(app.get(Logger))`,
 * and `HubLogger` for non-HTTP work. One root logger per app instance.
 */
@Module({})
export class LoggingModule {
  static forRoot(config: Pick<HubEnv, 'LOG_LEVEL'>, options: LoggingModuleOptions): DynamicModule {
    const root = createHubLogger({ level: config.LOG_LEVEL, service: options.service, stream: options.stream });
    return {
      module: LoggingModule,
      global: true,
      imports: [LoggerModule.forRoot({ pinoHttp: httpLoggingOptions(root), assignResponse: true })],
      providers: [
        { provide: HUB_ROOT_LOGGER, useValue: root },
        HubLogger,
        { provide: APP_INTERCEPTOR, useClass: RequestContextInterceptor },
      ],
      exports: [HUB_ROOT_LOGGER, HubLogger, LoggerModule],
    };
  }
}
