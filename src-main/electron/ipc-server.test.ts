/**
 * Sender validation on every IPC channel: the Electron IPC server's handler
 * (ipc-server.ts, no electron import) is driven with fake events for each
 * channel of the contract. Calls from a sub-frame, a foreign origin, a
 * missing or destroyed frame never reach the router, let alone a handler;
 * the app's own top frame on app:// reaches the router with the channel and
 * payload untouched.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppErrorSchema, CHANNEL_NAMES } from '../../src-preload/contract';
import { createRouter, type CallContext, type Handlers, type Router } from '../ipc/router';
import { MemoryLogSink, createLogger, Redactor } from '../util/log';
import { createInvokeHandler, type InvokeEvent } from './ipc-server';
import { APP_ORIGIN } from './security';

/** A router over handlers that only record that they ran, wrapped to record every dispatch. */
function spyRouter() {
  const dispatched: { channel: unknown; payload: unknown; ctx: CallContext }[] = [];
  const handled: string[] = [];
  const handlers = new Proxy({} as Handlers, {
    get: (_t, name) => () => {
      handled.push(String(name));
      return {};
    },
  });
  const sink = new MemoryLogSink();
  const log = createLogger({ sinks: [sink], redactor: new Redactor() });
  const inner = createRouter(handlers, log);
  const router: Router = {
    dispatch: (channel, payload, ctx) => {
      dispatched.push({ channel, payload, ctx });
      return inner.dispatch(channel, payload, ctx);
    },
  };
  return { router, dispatched, handled, sink, invoke: createInvokeHandler(router, log) };
}

const mainFrame = { url: `${APP_ORIGIN}/index.html#/fleet` };
const trusted: InvokeEvent = { senderFrame: mainFrame, sender: { mainFrame } };

/** Senders the server must refuse, each as the event Electron would hand over. */
const UNTRUSTED: [string, InvokeEvent][] = [
  ['a sub-frame of the app', { senderFrame: { url: `${APP_ORIGIN}/index.html` }, sender: { mainFrame } }],
  ['a foreign page in the main frame', (() => { const f = { url: 'https://evil.example/' }; return { senderFrame: f, sender: { mainFrame: f } }; })()],
  ['a loopback page', (() => { const f = { url: 'http://127.0.0.1:5173/' }; return { senderFrame: f, sender: { mainFrame: f } }; })()],
  ['a file:// page', (() => { const f = { url: 'file:///opt/cairn/out/renderer/index.html' }; return { senderFrame: f, sender: { mainFrame: f } }; })()],
  ['another host on the app scheme', (() => { const f = { url: 'cairn://evil/index.html' }; return { senderFrame: f, sender: { mainFrame: f } }; })()],
  ['about:blank', (() => { const f = { url: 'about:blank' }; return { senderFrame: f, sender: { mainFrame: f } }; })()],
  ['devtools', (() => { const f = { url: 'devtools://devtools/bundled/inspector.html' }; return { senderFrame: f, sender: { mainFrame: f } }; })()],
  ['a frame that is gone (null)', { senderFrame: null, sender: { mainFrame } }],
  ['no frame at all', { senderFrame: undefined, sender: { mainFrame } }],
];

describe('the Electron IPC server', () => {
  it('knows every channel of the contract', () => {
    expect(CHANNEL_NAMES.length).toBeGreaterThan(50);
  });

  it('is the only way into the main process: the shell registers no other IPC handler', () => {
    const shell = readFileSync(join(import.meta.dirname, 'main.ts'), 'utf8');
    expect(shell.match(/\bipcMain\.\w+\(/g)).toEqual(['ipcMain.handle(']);
    expect(shell).toMatch(/ipcMain\.handle\(IPC_INVOKE, \([^)]*\) => invoke\(/);
    expect(shell).toMatch(/const invoke = createInvokeHandler\(/);
  });

  it.each(UNTRUSTED)('refuses %s on every channel, before the router', async (_why, event) => {
    for (const channel of CHANNEL_NAMES) {
      const s = spyRouter();
      const r = await s.invoke(event, channel, {});
      expect(r.ok, channel).toBe(false);
      if (!r.ok) {
        expect(r.error.code, channel).toBe('forbidden');
        expect(AppErrorSchema.safeParse(r.error).success, channel).toBe(true);
      }
      expect(s.dispatched, channel).toEqual([]);
      expect(s.handled, channel).toEqual([]);
      expect(s.sink.lines.some((l) => l.includes('refused IPC from an untrusted frame')), channel).toBe(true);
    }
  });

  it('hands every channel from the app window to the router unchanged', async () => {
    for (const channel of CHANNEL_NAMES) {
      const s = spyRouter();
      const payload = { probe: channel };
      await s.invoke(trusted, channel, payload);
      expect(s.dispatched, channel).toEqual([{ channel, payload, ctx: { transport: 'electron' } }]);
    }
  });

  it('refuses any frame URL off the app origin, and any sub-frame, on any channel (property)', async () => {
    const notApp = fc.oneof(
      fc.webUrl({ withFragments: true, withQueryParameters: true }),
      fc.string(),
      fc.constantFrom('cairn://app.evil/', 'cairn://evil/', 'https://app/index.html', 'app://app/index.html', 'CAIRN:/app', ''),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...CHANNEL_NAMES), notApp, fc.boolean(), fc.anything(), async (channel, url, asMain, payload) => {
        fc.pre(!url.startsWith(`${APP_ORIGIN}/`) && url !== APP_ORIGIN);
        const s = spyRouter();
        const frame = { url };
        const r = await s.invoke({ senderFrame: frame, sender: { mainFrame: asMain ? frame : { url } } }, channel, payload);
        expect(r).toMatchObject({ ok: false, error: { code: 'forbidden' } });
        expect(s.dispatched).toHaveLength(0);
      }),
      { numRuns: 300 },
    );
    // Even the app's own URL is refused from a frame that is not the main frame.
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...CHANNEL_NAMES), fc.webPath(), async (channel, path) => {
        const s = spyRouter();
        const r = await s.invoke({ senderFrame: { url: `${APP_ORIGIN}${path}` }, sender: { mainFrame } }, channel, {});
        expect(r).toMatchObject({ ok: false, error: { code: 'forbidden' } });
        expect(s.dispatched).toHaveLength(0);
      }),
      { numRuns: 100 },
    );
  });
});
