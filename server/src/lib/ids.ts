/**
 * Randomness and hashing, once, below every layer that needs them (the service makes ids and
 * secrets, stores and the attendance check compare hashes). The room core never calls these:
 * ids and hashes come into it inside commands.
 */
import { createHash, randomBytes } from 'node:crypto';

/** Capability tokens and resume secrets: 192 random bits, URL-safe. */
export const newSecret = (): string => randomBytes(24).toString('base64url');
/** Ids are not secrets, but unguessable ids keep one meeting from probing another. */
export const newId = (): string => randomBytes(12).toString('base64url');
/** Only hashes of tokens and resume secrets are stored, never the secrets themselves. */
export const sha256 = (s: string): string => createHash('sha256').update(s).digest('base64url');
