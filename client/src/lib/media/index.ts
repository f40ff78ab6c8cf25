export { MediaSession, MediaStatus, type MicError, type Voice, type MediaDebug, type MediaSessionOptions } from './media.svelte.ts';
