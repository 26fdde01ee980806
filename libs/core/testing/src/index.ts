export * from './intercept';
export * from './network';
export * from './test-integration';
export * from './segment';
