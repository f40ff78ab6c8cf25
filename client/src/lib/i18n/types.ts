/**
 * The shape every other language's resource file has, derived from the English tree: the same
 * keys with string values, except plural and ordinal keys, whose suffixes follow the language's
 * own Intl.PluralRules categories (Lithuanian `_one/_few/_many/_other`, Slovenian `_two`...).
 * The compiler checks the non-plural keys; tests/unit/i18n.test.ts checks the plural categories,
 * the placeholders and that nothing was left in English.
 */
type PluralCategory = 'zero' | 'one' | 'two' | 'few' | 'many' | 'other';

type Plain<K> = K extends `${string}_ordinal_${PluralCategory}` ? never : K extends `${string}_${PluralCategory}` ? never : K;
type PluralBase<K> = K extends `${infer B}_ordinal_${PluralCategory}` ? B : K extends `${infer B}_${PluralCategory}` ? B : never;
type OrdinalBase<K> = K extends `${infer B}_ordinal_${PluralCategory}` ? B : never;

export type Translation<T> = {
  -readonly [K in keyof T & string as Plain<K>]: T[K] extends string ? string : Translation<T[K]>;
} & {
  -readonly [K in `${Exclude<PluralBase<keyof T & string>, OrdinalBase<keyof T & string>>}_${PluralCategory}`]?: string;
} & {
  -readonly [K in `${OrdinalBase<keyof T & string>}_ordinal_${PluralCategory}`]?: string;
};
