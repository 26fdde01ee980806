import { Global, Module } from '@nestjs/common';
import { HUB_CONFIG, type HubEnv } from '@hub/config';
import { SecretBox } from './secret-box';

@Global()
@Module({
  providers: [{ provide: SecretBox, inject: [HUB_CONFIG], useFactory: (config: HubEnv) => new SecretBox(config.HUB_ENCRYPTION_KEYS) }],
  exports: [SecretBox],
})
export class VaultModule {}
