/**
 * Structured logs (pino). They hold ids and codes, never names, what people said or notes;
 * the redaction list is a second line of defence for fields that must never be written.
 */
import { pino, type Logger } from 'pino';

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { app: 'peer-circle' },
    redact: { paths: ['name', '*.name', 'token', '*.token', 'resume', '*.resume', 'title', '*.title', 'text', '*.text'], censor: '[redacted]' },
  });
}
