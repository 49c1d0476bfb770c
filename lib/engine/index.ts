/** Public surface of the pure deployment engine. */
export * from './types';
export * from './rolling';
export * from './blue-green';
export * from './canary';
export * from './recreate';
export * from './plan';
export * from './preview';
export * from './revert';
export * from './health';
export * from './rollback';
export * from './dependencies';
export * from './state-machine';
export * from './preflight';
export * from './stats';
export * from './analysis';
export * from './error-budget';
