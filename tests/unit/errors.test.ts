/**
 * Error keys (shared/src/errors.ts): every error the server sends carries a stable key, so pages
 * can show it in their own language, plus the English words as a fallback.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { ERRORS, ERROR_KEYS, isErrorKey, protocolError } from '@peer-circle/shared';
import { en } from '../../client/src/lib/i18n/en.ts';
import { enErrors } from '../../client/src/lib/i18n/en-errors.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function sources(dir: string): { file: string; text: string }[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => {
      const file = path.join(e.parentPath, e.name);
      return { file: path.relative(root, file), text: readFileSync(file, 'utf8') };
    });
}

const server = sources(path.join(root, 'server/src'));

/**
 * Dotted camelCase string literals in the server (`'stick.notHolder'`), minus module specifiers
 * and file names. What is left is either an error key or one of these names, which are not.
 */
const NOT_KEYS = new Set(['media.workers', 'media.meeting', 'media.cluster']); // pino `component` names
function dottedLiterals(text: string): string[] {
  const code = text.replace(/\bfrom\s+'[^']*'/g, '').replace(/\bimport\s+'[^']*'/g, '');
  return [...code.matchAll(/'([a-z][A-Za-z]*\.[a-z][A-Za-z]*)'/g)]
    .map((m) => m[1]!)
    .filter((s) => !/\.(html|js|ts|json|css|csv|io)$/.test(s) && !NOT_KEYS.has(s));
}

describe('error keys', () => {
  it('every key in ERRORS is used somewhere in the server', () => {
    const all = server.map((s) => s.text).join('\n');
    const unused = ERROR_KEYS.filter((k) => !all.includes(`'${k}'`));
    expect(unused).toEqual([]);
  });

  it('every key-shaped string the server uses is a key in ERRORS', () => {
    const unknown = server.flatMap(({ file, text }) => dottedLiterals(text).filter((k) => !isErrorKey(k)).map((k) => `${file}: ${k}`));
    expect(unknown).toEqual([]);
    // The scan does see the keys (guards against a regex that matches nothing).
    expect(new Set(server.flatMap((s) => dottedLiterals(s.text))).size).toBe(ERROR_KEYS.length);
  });

  it('no English error sentence is left in a refusal outside ERRORS', () => {
    const refusal = /\b(?:reject|fail|error|protocolError|MediaError|requirePhase)\([^)]*'[A-Z"][^']*[.?!]'/;
    const left = server.filter(({ text }) => refusal.test(text)).map((s) => s.file);
    expect(left).toEqual([]);
  });

  it('keys are `area.name` and every message is one plain sentence or two, ending with . ? or !', () => {
    for (const key of ERROR_KEYS) {
      expect(key, key).toMatch(/^[a-z][A-Za-z]*\.[a-z][A-Za-z]*$/);
      const m = ERRORS[key];
      expect(m, key).toMatch(/^["A-Z]/);
      // "Thank you!" is the one exclamation (feedback.already); the rest end with . or ?
      expect(m, key).toMatch(/[.?!]$/);
      expect(m, key).not.toMatch(/[{}<>`\n\t]|\s{2}|^\s|\s$/);
    }
    expect(ERROR_KEYS.filter((k) => ERRORS[k].endsWith('!'))).toEqual(['feedback.already']);
  });

  it('no two keys carry the same words (one key per refusal)', () => {
    const texts = ERROR_KEYS.map((k) => ERRORS[k]);
    expect(new Set(texts).size).toBe(texts.length);
  });

  it('protocolError builds {code, key, message} with the English words, or a more precise English detail', () => {
    expect(protocolError('conflict', 'stick.notHolder')).toEqual({ code: 'conflict', key: 'stick.notHolder', message: 'You do not hold the stick.' });
    expect(protocolError('invalid_payload', 'payload.invalid', 'Invalid name: too long.')).toEqual({
      code: 'invalid_payload',
      key: 'payload.invalid',
      message: 'Invalid name: too long.',
    });
    expect(isErrorKey('stick.notHolder')).toBe(true);
    expect(isErrorKey('stick.fromTheFuture')).toBe(false);
    expect(isErrorKey('toString')).toBe(false);
    expect(isErrorKey(undefined)).toBe(false);
  });

  it('the client finds every key under errors.<key> with i18next, next to its own errors.*', () => {
    // Same merge and options as client/src/lib/i18n/i18n.svelte.ts (keys with dots, flat).
    const tree = { ...en, errors: { ...en.errors, ...enErrors.errors } };
    const i18n = i18next.createInstance();
    void i18n.init({
      resources: { en: { translation: tree } },
      lng: 'en',
      initAsync: false,
      ignoreJSONStructure: true,
      interpolation: { escapeValue: false },
    });
    for (const key of ERROR_KEYS) expect(i18n.t(`errors.${key}`), key).toBe(ERRORS[key]);
    expect(i18n.t('errors.timeout')).toBe(en.errors.timeout);
    expect(i18n.exists('errors.stick.fromTheFuture')).toBe(false);
  });
});
