// One backend for both shells: Electron IPC and loopback HTTP call the same `call`.
import type { Envelope, Result } from '../../preload/contract.ts';
import { openRegister, type DB } from '../../db/connection.ts';
import { Sessions } from '../users/users.ts';
import { Jobs } from './jobs.ts';
import { dispatch, keepAnchor } from './dispatch.ts';

export { RegisterOpenError } from '../../db/connection.ts';

export interface Backend {
  call(env: Envelope, transport: 'ipc' | 'http'): Promise<Result<unknown>>;
  close(): void;
  readonly db: DB;
}

export function openBackend(opts: { dbPath: string }): Backend {
  const db = openRegister(opts.dbPath);
  const sessions = new Sessions();
  const jobs = new Jobs();
  return {
    db,
    call: (env) => dispatch({ db, sessions, jobs, session: null }, env),
    close: () => {
      keepAnchor(db);
      db.close();
    },
  };
}
