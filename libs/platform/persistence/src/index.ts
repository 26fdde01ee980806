export * from './data-source-options';
export * from './entities';
export * from './migrations';
export * from './migrator';
export * from './persistence.module';
export * from './pagination';
