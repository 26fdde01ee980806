export * from './config.module';
export * from './env.schema';
export * from './keyring';
export * from './load-config';
