// The register the running program works on, held in one place: every call takes its connection from here, so a
// restore can put another file in the register's place while the program runs (main/backup/restore-open.ts).
// It lives below the capabilities (a restore uses it, the host creates it); what must happen before the connection is
// closed (the audit anchor written) is handed in by whoever opens it.
import { openRegister, type DB } from '../../db/connection.ts';
import { AppError } from './errors.ts';

export type OpenFile = (file: string) => DB;

/** A restore over the open register failed after the register was moved aside, and the old one could not be put back. */
export class RegisterNotPutBack extends AppError {
  constructor(message: string, readonly aside: string) {
    super('internal', message);
    this.name = 'RegisterNotPutBack';
  }
}

export class OpenRegister {
  #db: DB;

  /** `openRestored` opens the file a restore moved in; a test may pass one that fails, to see the old register come back. */
  constructor(readonly file: string, readonly openRestored: OpenFile = (f) => openRegister(f, { create: false }),
    /** runs on the connection before it is closed (the host writes the audit anchor); must not throw */
    private readonly beforeClose: (db: DB) => void = () => {}) {
    this.#db = openRegister(file);
  }

  /** Why no register is open, after a swap that could put neither the copy nor the old register in place. */
  #lost: string | null = null;
  get lost(): string | null {
    return this.#lost;
  }

  get db(): DB {
    if (this.#lost) throw new AppError('internal', this.#lost);
    return this.#db;
  }

  /** Calls under way, by method: one awaiting its work (a seal, a printout) still holds the connection it started with. */
  #calls = new Map<symbol, string>();

  /** Marks a call under way until the returned function is called. */
  enter(method: string): () => void {
    const key = Symbol(method);
    this.#calls.set(key, method);
    return () => this.#calls.delete(key);
  }

  callsUnderWay(): string[] {
    return [...this.#calls.values()];
  }

  /**
   * Closes the register — its audit anchor written, its WAL checkpointed into the file, so the file alone is the whole
   * register — and lets `moveIn` put another file at its path and open it; from then on that connection is the register.
   * `moveIn` runs synchronously: no other call runs between the close and the new connection. When it throws it must have
   * put the old file back: the old register is reopened and the error goes on.
   */
  replace(moveIn: () => DB): void {
    const old = this.#db;
    this.beforeClose(old);
    old.pragma('wal_checkpoint(TRUNCATE)');
    old.close();
    let moved: DB;
    try {
      moved = moveIn();
    } catch (e) {
      // nothing of ours is at the register's path: opening whatever is there would serve a file no one checked
      if (e instanceof RegisterNotPutBack) {
        this.#lost = e.message;
        throw e;
      }
      try {
        this.#db = openRegister(this.file, { create: false });
      } catch (again) {
        throw new AppError('internal', `${(e as Error).message}. Прежний реестр ${this.file} не открылся снова: ${(again as Error).message}. `
          + 'Закройте программу и откройте реестр заново.');
      }
      throw e;
    }
    this.#db = moved;
  }

  /** What lives as long as the register is open in the running program (the ledgers' warm render worker): opened on
   *  first use, the same one after a restore, closed with the register. */
  #kept = new Map<string, { close(): unknown }>();

  keep<T extends { close(): unknown }>(key: string, open: () => T): T {
    let x = this.#kept.get(key);
    if (!x) this.#kept.set(key, (x = open()));
    return x as T;
  }

  close(): void {
    // threads end with the register (a worker left running would keep the process alive after its last window)
    for (const x of this.#kept.values()) void Promise.resolve(x.close()).catch(() => {});
    this.#kept.clear();
    if (this.#lost) return; // closed when the swap began
    this.beforeClose(this.#db);
    this.#db.close();
  }
}
