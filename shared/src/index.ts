export * from './domain.ts';
export * from './protocol.ts';
export * from './media-protocol.ts';
