/** Internationalisation of the renderer: English (source of truth) and Italian. */
export type { Catalogue, Message, MessageKey, PlainKey, PluralMessage } from './catalogue';
export { CATALOGUES, I18n, i18n, LANGUAGES, render, systemLanguage, t } from './i18n.svelte';
