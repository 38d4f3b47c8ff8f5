/**
 * The Electron IPC server's one handler, kept free of `electron` imports so
 * it is tested in Node: every invoke is checked against its sender frame
 * (the app's own top frame on the app:// origin, see `isTrustedSender`)
 * before anything of it reaches the router, which then validates the
 * channel and payload against the contract.
 */
import type { AppError, Result } from '../../src-preload/contract';
import type { Router } from '../ipc/router';
import type { Logger } from '../util/log';
import { isTrustedSender } from './security';

/** The parts of Electron's `IpcMainInvokeEvent` the check reads (a frame is `WebFrameMain`). */
export interface InvokeEvent {
  senderFrame: { url: string } | null | undefined;
  sender: { mainFrame: unknown };
}

export const UNTRUSTED_SENDER: AppError = { code: 'forbidden', message: 'Calls are accepted only from the Cairn window' };

/** `ipcMain.handle(IPC_INVOKE, …)`'s handler: refuses foreign frames, dispatches the rest. */
export function createInvokeHandler(router: Router, log: Pick<Logger, 'warn'>) {
  return async (event: InvokeEvent, channel: unknown, payload: unknown): Promise<Result<unknown>> => {
    const frame = event.senderFrame;
    if (!frame || !isTrustedSender(frame.url, frame === event.sender.mainFrame)) {
      log.warn('refused IPC from an untrusted frame', { url: typeof frame?.url === 'string' ? frame.url.slice(0, 200) : undefined });
      return { ok: false, error: { ...UNTRUSTED_SENDER } };
    }
    return router.dispatch(channel, payload, { transport: 'electron' });
  };
}
