import type { ConnectorDefinition } from '@hub/sdk';
import { exampleConnector } from '@hub/connector-example';
import { segmentDestinationConnector } from '@hub/connector-segment-destination';
import { segmentSourceConnector } from '@hub/connector-segment-source';

export const connectors: ConnectorDefinition[] = [
  exampleConnector,
  segmentDestinationConnector,
  segmentSourceConnector,
  /* generated entries */
];
