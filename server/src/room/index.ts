export * from './commands.ts';
export * from './decide.ts';
export * from './state.ts';
export * from './lifecycle.ts';
export * from './views.ts';
export * from './privacy.ts';
