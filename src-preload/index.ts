/**
 * The preload: builds `window.api` from the contract's channel and event
 * lists (an allowlist) and nothing else. No raw ipcRenderer, no Node.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_EVENT, IPC_INVOKE, isChannel, isEventName, type CairnBridge, type Result } from './contract';

const bridge: CairnBridge = {
  transport: 'electron',
  async invoke(channel, request) {
    if (!isChannel(channel)) return { ok: false, error: { code: 'unknown_channel', message: `Unknown channel: ${String(channel)}` } };
    return (await ipcRenderer.invoke(IPC_INVOKE, channel, request)) as Result<unknown>;
  },
  on(event, listener) {
    if (!isEventName(event)) throw new Error(`Unknown event: ${String(event)}`);
    const handler = (_e: IpcRendererEvent, name: unknown, payload: unknown) => {
      if (name === event) (listener as (p: unknown) => void)(payload);
    };
    ipcRenderer.on(IPC_EVENT, handler);
    return () => ipcRenderer.removeListener(IPC_EVENT, handler);
  },
};

contextBridge.exposeInMainWorld('api', bridge);
