/**
 * English words for the errors the server sends, under `errors.<key>` (keys: shared/src/errors.ts).
 * The English is the server's own table, so it is written once. Keys contain dots
 * (`stick.notHolder`); i18next finds such flat keys inside the `errors` object because
 * `ignoreJSONStructure` is on (set in i18n.svelte.ts). Other languages translate every key of
 * `ERRORS` in their own file; a key they miss falls back to this English.
 */
import { ERRORS } from '@peer-circle/shared';

export const enErrors = { errors: ERRORS };
