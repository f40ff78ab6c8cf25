export * from './domain.ts';
export * from './errors.ts';
export * from './commands.ts';
export * from './protocol.ts';
export * from './media-protocol.ts';
export * from './locale-data/index.ts';
export * from './groups.ts';
