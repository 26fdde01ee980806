import { Controller, Get, Header, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '@hub/auth';
import { HealthService, type ReadinessReport } from './health.service';

/** The readiness report; when not ready, plus the API's error fields. */
export type ReadinessBody = ReadinessReport & { statusCode?: number; error?: string; message?: string; code?: string };

@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** The process runs and its event loop answers; no dependency is consulted. */
  @Get('live')
  @Header('Cache-Control', 'no-store')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * 200 when every dependency is up; 503 otherwise, with each check's status. The 503 body also
   * carries the API's error fields (API.md) so generic clients read it like any other error.
   */
  @Get('ready')
  @Header('Cache-Control', 'no-store')
  async ready(@Res({ passthrough: true }) res: Response): Promise<ReadinessBody> {
    const report = await this.health.readiness();
    if (report.status === 'ok') return report;
    res.status(503);
    const failing = Object.entries(report.checks)
      .filter(([, check]) => check.status === 'down')
      .map(([name]) => name);
    return {
      ...report,
      statusCode: 503,
      error: 'Service Unavailable',
      message: `Not ready: ${failing.join(', ')} down`,
      code: 'NOT_READY',
    };
  }
}
