export * from './services';
export * from './versions';
export * from './deployments';
export * from './rollback';
export * from './releases';
export * from './schemas';
export * from './analysis';
export * from './error-budget';
