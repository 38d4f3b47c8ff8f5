/**
 * The state of an offline bundle check in the console (custody and audit
 * bundles): a chosen file read as text — refused with the caller's message
 * when larger than a frame may carry — sent to main for verification with
 * an optional pinned key, and the verdict or the error. Checking again
 * reuses the text, so a newly pinned key can be tried on the same file.
 */
import { textOf } from './files';

export class BundleCheck<R> {
  vkey = $state('');
  fileName = $state('');
  text = $state.raw('');
  result = $state.raw<R | null>(null);
  error = $state.raw<unknown>(null);
  busy = $state(false);

  constructor(
    private readonly verify: (text: string, vkey: string | undefined) => Promise<R>,
    private readonly maxChars: number,
    private readonly tooBig: (name: string, size: number, max: number) => string,
  ) {}

  async run(): Promise<void> {
    this.busy = true;
    this.error = null;
    try {
      this.result = await this.verify(this.text, this.vkey.trim() || undefined);
    } catch (err) {
      this.error = err;
      this.result = null;
    } finally {
      this.busy = false;
    }
  }

  async load(file: File | undefined): Promise<void> {
    this.result = null;
    this.error = null;
    if (!file) return;
    this.fileName = file.name;
    if (file.size > this.maxChars) {
      this.error = new Error(this.tooBig(file.name, file.size, this.maxChars));
      return;
    }
    this.text = await textOf(file);
    await this.run();
  }
}

