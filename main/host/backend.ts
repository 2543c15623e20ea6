// One backend for both shells: Electron IPC and loopback HTTP call the same `call`.
import type { Envelope, Result } from '../../preload/contract.ts';
import type { DB } from '../../db/connection.ts';
import { Sessions } from '../users/users.ts';
import { Jobs } from '../shared/jobs.ts';
import { dispatch, keepAnchor } from './dispatch.ts';
import { OpenRegister, type OpenFile } from '../shared/open-register.ts';
import { NetworkDoor } from './network.ts';
import { moveReadsBeforeClose, recoverReads } from '../personal-data/read-journal.ts';
import { logError } from '../shared/log.ts';

export { RegisterOpenError } from '../../db/connection.ts';

export interface Backend {
  /** `client`: who called, for throttling sign-ins (the HTTP peer's address); the transport's name when not given. */
  call(env: Envelope, transport: 'ipc' | 'http', client?: string,
    /** the caller's workplace as the transport knows it, for the read-access log (none: the peer's address or this computer) */
    workplace?: string): Promise<Result<unknown>>;
  close(): void;
  /** the register's connection now: a restore over the open register replaces it */
  readonly db: DB;
  /** the office network's door (issue 18): shut until an admin shares the register; `resume` at start */
  readonly network: NetworkDoor;
}

/**
 * `openRestored` is for tests only: how the file a restore moved in is opened (a failing one injects that fault).
 * `staticDir`: the built renderer, served to browsers that connect over the network.
 */
export function openBackend(opts: { dbPath: string; openRestored?: OpenFile; staticDir?: string }): Backend {
  // before the connection closes: the read-access journal's waiting lines moved in, the audit anchor written
  const register = new OpenRegister(opts.dbPath, opts.openRestored, (db) => { moveReadsBeforeClose(db); keepAnchor(db); });
  // readings a program that has since stopped (a crash, a power cut) answered while the register was busy
  try {
    recoverReads(register.db);
  } catch (e) {
    logError('[school-register] the read-access journals left beside the register could not be moved in yet:', e);
  }
  const sessions = new Sessions();
  const jobs = new Jobs();
  // the door answers the network through this very backend (its calls forwarded, as they come)
  const network = new NetworkDoor({ backend: { call: (...a) => backend.call(...a) }, register: () => opts.dbPath, staticDir: opts.staticDir });
  const backend: Backend = {
    get db() {
      return register.db;
    },
    network,
    // the connection is taken per call, never captured: after a restore the next call works on the restored file
    call: async (env, transport, client, workplace) => {
      if (register.lost) return { ok: false, error: { code: 'internal', message: register.lost } };
      const method = env && typeof env === 'object' ? (env as Partial<Envelope>).method : undefined; // whatever a caller sent
      const leave = register.enter(typeof method === 'string' ? method.slice(0, 100) : '?');
      try {
        return await dispatch({ db: register.db, register, sessions, jobs, session: null, client: client ?? transport, network, ...(workplace ? { workplace } : {}) }, env);
      } finally {
        leave();
      }
    },
    close: () => {
      void network.close();
      register.close();
    },
  };
  return backend;
}
