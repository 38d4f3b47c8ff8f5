/**
 * The command registry behind the palette. Every page and every global
 * action is a command; features may add their own while mounted.
 */
import { untrack } from 'svelte';
import type { IconName } from '../components/icons';

export interface Command {
  id: string;
  label: string;
  group: 'Go to' | 'Fleet' | 'Connections' | 'View' | 'Search';
  icon?: IconName;
  /** Extra words the fuzzy match also looks at. */
  keywords?: string;
  shortcut?: string;
  run(): void | Promise<void>;
}

export class CommandRegistry {
  #sets = $state.raw<Map<string, Command[]>>(new Map());

  get all(): Command[] {
    return [...this.#sets.values()].flat();
  }

  /** Register a named set of commands; returns the unregister function. */
  register(owner: string, commands: Command[]): () => void {
    // Called from effects: reading the current sets must not make the caller depend on them.
    untrack(() => {
      const next = new Map(this.#sets);
      next.set(owner, commands);
      this.#sets = next;
    });
    return () =>
      untrack(() => {
        const m = new Map(this.#sets);
        m.delete(owner);
        this.#sets = m;
      });
  }

  reset(): void {
    this.#sets = new Map();
  }
}

export const commands = new CommandRegistry();
