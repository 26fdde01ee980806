export * from './secret-box';
export * from './vault.module';
