/** Types for scripts/time-factor.mjs (plain Node, also run before node_modules exists). */
export function timeFactor(env?: NodeJS.ProcessEnv): { factor: number; why: string };
