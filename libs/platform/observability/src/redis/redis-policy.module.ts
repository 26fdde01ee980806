import { Inject, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { HUB_CONFIG, type HubEnv } from '@hub/config';
import { checkRedisPolicy, enforceRedisPolicy } from './redis-policy';

/**
 * Checks Redis's persistence settings when the app starts, per HUB_REDIS_POLICY: a warning, or a
 * failed start (`app.init()` rejects with a `RedisPolicyError`). For the worker. Needs HubConfigModule.
 */
@Module({})
export class RedisPolicyModule implements OnModuleInit {
  private readonly logger = new Logger('RedisPolicy');

  constructor(@Inject(HUB_CONFIG) private readonly config: HubEnv) {}

  async onModuleInit(): Promise<void> {
    enforceRedisPolicy(await checkRedisPolicy(this.config.REDIS_URL), this.config.HUB_REDIS_POLICY, this.logger);
  }
}
