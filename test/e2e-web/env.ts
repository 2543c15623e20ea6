// What the e2e run shares between the config (which starts the real backend) and the specs.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const PORT = Number(process.env.E2E_PORT ?? 47831);
export const BASE_URL = `http://127.0.0.1:${PORT}`;
// A fixed transport token for the test server only (SCHOOL_REGISTER_HTTP_TOKEN).
export const HTTP_TOKEN = 'e2e-web-token-not-a-secret';
export const SCREENS_DIR = path.join(REPO, 'test-results', 'screens');

export const ADMIN = { login: 'admin', fullName: 'Смирнова Ольга Петровна', password: 'Admin-pass-2026' };
