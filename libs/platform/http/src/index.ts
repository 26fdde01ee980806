export * from './all-exceptions.filter';
export * from './api-error';
export * from './zod-body.pipe';
