import type { ConnectorDefinition } from '@hub/sdk';
import { exampleConnector } from '@hub/connector-example';

export const connectors: ConnectorDefinition[] = [
  exampleConnector,
  /* generated entries */
];
