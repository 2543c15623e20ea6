import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const hasBinary = existsSync(path.join(REPO, 'node_modules', 'electron', 'dist'));
export const NO_BINARY = 'Electron binary not installed: it cannot be downloaded on this machine';
