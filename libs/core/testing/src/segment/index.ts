export * from './segment-stand-in';
export * from './tracking-api-rules';
