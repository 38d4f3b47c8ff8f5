/**
 * The console's language: English or Italian, chosen per operator in
 * Settings (persisted through `settings:set`) and, until chosen, the
 * system's language. `t()` reads the current language, so any template or
 * `$derived` that calls it re-renders when the language changes, with no
 * reload. Numbers, dates and relative times use the matching Intl locale
 * (see `../format.ts`). Messages coming from the main process (errors,
 * alert texts) stay English: they are logged and searched in support.
 */
import type { Language } from '../../../../src-preload/contract';
import { api } from '../api';
import { errorMessage } from '../errors';
import { toasts } from '../toasts.svelte';
import type { Catalogue, Message, MessageKey, ParamsArg, ParamValue } from './catalogue';
import { en } from './en';
import { it } from './it';

export const CATALOGUES: Readonly<Record<Language, Catalogue>> = { en, it };

/** The languages offered, each named in itself (an operator who cannot read the current one still finds theirs). */
export const LANGUAGES: readonly { id: Language; name: string }[] = [
  { id: 'en', name: 'English' },
  { id: 'it', name: 'Italiano' },
];

function navigatorLanguages(): readonly string[] {
  if (typeof navigator === 'undefined') return [];
  return navigator.languages?.length ? navigator.languages : navigator.language ? [navigator.language] : [];
}

/** The first of the system's preferred languages that Cairn speaks, else English. */
export function systemLanguage(preferred: readonly string[] = navigatorLanguages()): Language {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    if (base === 'it') return 'it';
    if (base === 'en') return 'en';
  }
  return 'en';
}

export class I18n {
  language = $state<Language>(systemLanguage());
  /** True once the operator picked a language (persisted); until then it follows the system. */
  chosen = $state(false);

  /**
   * The BCP 47 locale for Intl: English keeps the system's regional
   * variant (en-GB dates for a UK operator), Italian is it-IT.
   */
  get locale(): string {
    if (this.language === 'it') return 'it-IT';
    // Read once: formatting asks for the locale for every cell of every table.
    this.#english ??= navigatorLanguages().find((tag) => tag.toLowerCase().startsWith('en')) ?? 'en';
    return this.#english;
  }

  #english: string | null = null;

  /** Adopt what settings say (no write back); unset follows the system. */
  adopt(language: Language | undefined): void {
    this.chosen = language !== undefined;
    this.language = language ?? systemLanguage();
  }

  async set(language: Language): Promise<void> {
    const previous = { language: this.language, chosen: this.chosen };
    this.language = language;
    this.chosen = true;
    try {
      await api().call('settings:set', { language });
    } catch (err) {
      this.language = previous.language;
      this.chosen = previous.chosen;
      toasts.error(t('settings.languageSaveFailed', { reason: errorMessage(err) }));
    }
  }

  /** Write the language to <html lang> (screen readers, hyphenation); call from an effect so it tracks. */
  apply(root: HTMLElement = document.documentElement): void {
    root.lang = this.language;
  }

  reset(): void {
    this.language = systemLanguage();
    this.chosen = false;
  }
}

export const i18n = new I18n();

const pluralRules = new Map<string, Intl.PluralRules>();
const numberFormats = new Map<string, Intl.NumberFormat>();

function pluralCategory(locale: string, n: number): Intl.LDMLPluralRule {
  let rules = pluralRules.get(locale);
  if (!rules) pluralRules.set(locale, (rules = new Intl.PluralRules(locale)));
  return rules.select(n);
}

function formatParam(locale: string, value: ParamValue): string {
  if (typeof value === 'string') return value;
  let nf = numberFormats.get(locale);
  if (!nf) numberFormats.set(locale, (nf = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 })));
  return nf.format(value);
}

/**
 * Render a message of a catalogue. Numbers are formatted for the locale
 * (pass identifiers such as VMIDs as strings); a plural picks its form from
 * `count`. An unknown placeholder is left visible rather than dropped.
 */
export function render(message: Message, locale: string, params: Readonly<Record<string, ParamValue>> = {}): string {
  let text: string;
  if (typeof message === 'string') text = message;
  else {
    const n = params.count;
    const category = typeof n === 'number' ? pluralCategory(locale, n) : 'other';
    text = message[category] ?? message.other;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(params, name) ? formatParam(locale, params[name]!) : whole));
}

/** The message `key` in the current language. */
export function t<K extends MessageKey>(key: K, ...args: ParamsArg<K>): string {
  const language = i18n.language;
  const message = (CATALOGUES[language] as Record<MessageKey, Message>)[key] ?? en[key];
  return render(message, i18n.locale, args[0] as Record<string, ParamValue> | undefined);
}
