export * from './context';
export * from './definition';
export * from './errors';
export * from './http';
export * from './settings';
export * from './validate-definition';
export * from './json-body';
