export * from './domain.ts';
export * from './protocol.ts';
