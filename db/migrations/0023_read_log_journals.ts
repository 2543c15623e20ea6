// The read-access log's side journals (issue 18). While another connection holds the register's write lock (the
// journal import's one transaction, a backup's records, another program's job) a reading of personal data is not kept
// waiting for it: its entry is appended to a journal file beside the register and made durable (fsync) before the
// answer goes out, then moved into read_log, in order, once the lock is free — or, after a crash, when the register is
// next opened (main/personal-data/read-journal.ts). Each journal's lines are numbered; this table keeps, per journal,
// the last line moved, written in the same transaction as the entries it moved: a journal moved again (the program
// stopped between the commit and the file's removal) adds nothing twice. The mark only goes forward and is never removed.
const timestamp = (col: string) => `(${col} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:*Z' AND julianday(${col}) IS NOT NULL)`;

export default `
CREATE TABLE read_log_journals (
  journal  TEXT PRIMARY KEY CHECK (journal GLOB '[0-9]*-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]'),
  moved    INTEGER NOT NULL CHECK (moved > 0),
  at       TEXT NOT NULL CHECK ${timestamp('at')}
) STRICT;
CREATE TRIGGER read_log_journals_forward BEFORE UPDATE ON read_log_journals
WHEN NEW.journal IS NOT OLD.journal OR NEW.moved <= OLD.moved
BEGIN SELECT RAISE(ABORT, 'отметка журнала чтения только продвигается вперёд'); END;
CREATE TRIGGER read_log_journals_no_delete BEFORE DELETE ON read_log_journals
BEGIN SELECT RAISE(ABORT, 'отметка журнала чтения не удаляется'); END;
`;
