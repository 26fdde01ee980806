export { exampleConnector } from './example.connector';
