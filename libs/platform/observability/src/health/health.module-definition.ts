import { ConfigurableModuleBuilder } from '@nestjs/common';

export interface HealthModuleOptions {
  /** Whether readiness pings Redis (REDIS_URL). Both apps need Redis for BullMQ. */
  redis: boolean;
  /** Bound of each check, in ms (default 2000): /health/ready always answers within it. */
  timeoutMs?: number;
}

export const {
  ConfigurableModuleClass: HealthConfigurableModule,
  MODULE_OPTIONS_TOKEN: HEALTH_MODULE_OPTIONS,
} = new ConfigurableModuleBuilder<HealthModuleOptions>().setClassMethodName('forRoot').build();
