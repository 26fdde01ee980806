import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '@hub/auth';
import { MetricsService } from './metrics.service';

@Public()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  /** Prometheus text format; no auth, like /health (restrict it at the network edge). */
  @Get()
  async scrape(@Res() res: Response): Promise<void> {
    const body = await this.metrics.metrics();
    res.setHeader('Content-Type', this.metrics.contentType);
    res.setHeader('Cache-Control', 'no-store');
    // A Buffer, so Express does not add a charset to Prometheus' exact content type.
    res.send(Buffer.from(body));
  }
}
