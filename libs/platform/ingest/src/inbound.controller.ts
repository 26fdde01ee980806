import { Controller, HttpCode, Post, Req, Res, type Type } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '@hub/auth';
import type { InboundHttpRequest } from './inbound-body.reader';
import { InboundEdge } from './inbound-edge.service';

/**
 * The inbound routes' controller, built for the catalog's paths (they come from connector
 * definitions at boot, so the decorator arguments are computed). Public: senders authenticate
 * with the keys the hub issued, checked by InboundEdge, never with admin bearer tokens.
 */
export function inboundControllerFor(paths: string[]): Type<unknown> {
  @ApiExcludeController()
  @Controller()
  class InboundController {
    constructor(private readonly edge: InboundEdge) {}

    @Public()
    @Post(paths)
    @HttpCode(200)
    handle(@Req() req: InboundHttpRequest, @Res() res: Response): Promise<void> {
      return this.edge.handle(req, res);
    }
  }
  return InboundController;
}
