export { connectorGenerator } from './generators/connector/generator';
export type { ConnectorGeneratorSchema } from './generators/connector/options';
