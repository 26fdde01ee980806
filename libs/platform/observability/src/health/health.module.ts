import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { HealthConfigurableModule } from './health.module-definition';
import { HealthService } from './health.service';

/**
 * `GET /health/live` and `GET /health/ready` (database, migrations, and Redis when asked).
 * Needs `HubConfigModule` and `PersistenceModule` in the app.
 */
@Module({ controllers: [HealthController], providers: [HealthService], exports: [HealthService] })
export class HealthModule extends HealthConfigurableModule {}
