/**
 * The shape of a message catalogue. English (`en.ts`) is the source of
 * truth: its keys and literal texts define `MessageKey` and each key's
 * parameters, and every other language must have exactly the same keys,
 * with a plural form wherever English has one (checked by the compiler
 * here and by a unit test at run time).
 */
import type { en } from './en';

/** Plural forms chosen by `Intl.PluralRules` from the `count` parameter; `other` is the fallback. */
export type PluralMessage = Readonly<Partial<Record<Intl.LDMLPluralRule, string>> & { other: string }>;
export type Message = string | PluralMessage;

export type MessageKey = keyof typeof en;

/** A catalogue for another language: the same keys, a plural where English has one. */
export type Catalogue = { readonly [K in MessageKey]: (typeof en)[K] extends string ? string : PluralMessage };

/** The `{name}` placeholders of a literal text. */
type Placeholders<S extends string> = S extends `${string}{${infer P}}${infer Rest}` ? P | Placeholders<Rest> : never;

/** The parameters a message takes: its placeholders, plus `count` for a plural. */
export type ParamName<K extends MessageKey> = (typeof en)[K] extends infer M
  ? M extends string
    ? Placeholders<M>
    : M extends Record<string, string>
      ? Placeholders<M[keyof M]> | 'count'
      : never
  : never;

export type ParamValue = string | number;

/** A key whose message takes no parameters: a label held in data (a table's columns, a form's fields) and rendered later with `t(key)`. */
export type PlainKey = { [K in MessageKey]: [ParamName<K>] extends [never] ? K : never }[MessageKey];

/** `t(key)` for a message without parameters, `t(key, { … })` with exactly its parameters. */
export type ParamsArg<K extends MessageKey> = [ParamName<K>] extends [never] ? [] : [params: Record<ParamName<K>, ParamValue>];
