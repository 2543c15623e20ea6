// The one object the preload puts on window (window.schoolRegister). No Node, no Electron: the renderer may import it.
import type { Envelope, Result } from './contract.ts';

export type Bridge = { call(env: Envelope): Promise<Result<unknown>> };

export const BRIDGE_KEY = 'schoolRegister';
