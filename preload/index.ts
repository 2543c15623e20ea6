// The sandboxed preload: exposes exactly one function, call(envelope), and nothing of Electron or Node.
// Bundled to CommonJS (out/electron/preload.cjs), because a sandboxed preload may only require('electron').
import { contextBridge, ipcRenderer } from 'electron';
import { IPC_CHANNEL, type Envelope, type Result } from './contract.ts';
import { BRIDGE_KEY, type Bridge } from './bridge.ts';

const bridge = {
  // Only the three envelope fields cross, whatever else the caller's object carries.
  call: (env: Envelope) =>
    ipcRenderer.invoke(IPC_CHANNEL, { method: env.method, args: env.args, session: env.session ?? null }) as Promise<Result<unknown>>,
} satisfies Bridge;

contextBridge.exposeInMainWorld(BRIDGE_KEY, bridge);
