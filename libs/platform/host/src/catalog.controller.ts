import { Controller, Get, Param } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiError } from '@hub/http';
import { ConnectorRegistry, type ConnectorView } from './connector-registry';
import { HostErrorCode } from './host.exception';

/** The connector catalog: any authenticated caller may read it (the global auth guard applies). */
@ApiTags('connectors')
@Controller('api/v1/connectors')
export class CatalogController {
  constructor(private readonly registry: ConnectorRegistry) {}

  /** The whole catalog in one page: it is a handful of definitions compiled into the hub. */
  @Get()
  list(): { items: ConnectorView[]; nextCursor: null } {
    return { items: this.registry.list().map((c) => c.view), nextCursor: null };
  }

  @Get(':id')
  get(@Param('id') id: string): ConnectorView {
    const connector = this.registry.find(id);
    if (!connector) throw ApiError.notFound(`Connector "${id.slice(0, 64)}"`, HostErrorCode.ConnectorNotFound);
    return connector.view;
  }
}
