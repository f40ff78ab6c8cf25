export * from './commands.ts';
export * from './decide.ts';
export * from './state.ts';
export * from './privacy.ts';
