import { DynamicModule, Global, Module } from '@nestjs/common';
import type { HubEnv } from './env.schema';

/** Injection token for the validated configuration. */
export const HUB_CONFIG = Symbol('HUB_CONFIG');

@Global()
@Module({})
export class HubConfigModule {
  static forRoot(config: HubEnv): DynamicModule {
    return {
      module: HubConfigModule,
      providers: [{ provide: HUB_CONFIG, useValue: config }],
      exports: [HUB_CONFIG],
    };
  }
}
