import { Injectable } from '@nestjs/common';
import type { RequestHandler } from '@nestjs/common/interfaces';
import { HttpAdapterHost } from '@nestjs/core';
import { inboundBodyReader } from './inbound-body.reader';
import { InboundRoutes } from './inbound-routes';

/**
 * Mounts the body reader of every inbound route on the express app while the module is
 * instantiated (inside `NestFactory.create`): that is before any body parser the app adds
 * afterwards (`app.useBodyParser` in main.ts, Nest's default parsers at `init`), so inbound bodies
 * are read raw and capped by us alone, and the admin API's JSON parser never walks them.
 */
@Injectable()
export class InboundBodyReaders {
  constructor(adapterHost: HttpAdapterHost, routes: InboundRoutes) {
    const adapter = adapterHost.httpAdapter;
    if (!adapter) {
      throw new Error('IngestModule needs an HTTP app created with NestFactory.create (its body readers mount at creation)');
    }
    for (const route of routes.routes) adapter.post(route.path, inboundBodyReader(route) as RequestHandler);
  }
}
