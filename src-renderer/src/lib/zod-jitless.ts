/**
 * The renderer runs under `script-src 'self'`, so no eval. The contract's
 * zod schemas probe for eval (`new Function`) when they are built, which
 * the CSP reports as a violation even though zod falls back. Switch zod to
 * its jitless mode first. main.ts imports this before anything that reaches
 * the contract.
 */
import { config } from 'zod';

config({ jitless: true });
