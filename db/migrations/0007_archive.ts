// The media register (where the copies of the register live: label, kind, room), the backup runs with one result per
// destination, and the log of repairs made from a twin copy. The archive manifest itself is a file beside the
// register (main/archive/), not a table: it must survive the loss of the register.
export default `
CREATE TABLE media (
  id INTEGER PRIMARY KEY,
  label TEXT NOT NULL UNIQUE CHECK (length(trim(label)) > 0),
  kind TEXT NOT NULL CHECK (kind IN ('usb', 'hdd', 'nas', 'optical')),
  room TEXT NOT NULL CHECK (length(trim(room)) > 0),
  path TEXT NOT NULL UNIQUE CHECK (length(trim(path)) > 0),
  encrypted INTEGER NOT NULL DEFAULT 0 CHECK (encrypted IN (0, 1)),
  last_written_at TEXT CHECK (last_written_at IS NULL OR last_written_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*'),
  last_verified_at TEXT CHECK (last_verified_at IS NULL OR last_verified_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*'),
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE backup_runs (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('backup', 'verify', 'restore', 'drill', 'upload')),
  started_at TEXT NOT NULL,
  finished_at TEXT CHECK (finished_at IS NULL OR finished_at >= started_at),
  state TEXT NOT NULL CHECK (state IN ('running', 'ok', 'partial', 'failed', 'cancelled', 'damaged', 'unrepairable')),
  bag TEXT,
  files INTEGER CHECK (files IS NULL OR files >= 0),
  bytes INTEGER CHECK (bytes IS NULL OR bytes >= 0),
  by_login TEXT,
  message TEXT,
  -- a run is finished exactly when it has left the running state
  CHECK ((state = 'running') = (finished_at IS NULL))
) STRICT;

CREATE TABLE backup_results (
  run_id INTEGER NOT NULL REFERENCES backup_runs (id),
  path TEXT NOT NULL CHECK (length(path) > 0),
  media_id INTEGER REFERENCES media (id),
  state TEXT NOT NULL CHECK (state IN ('ok', 'failed', 'damaged', 'repaired', 'unrepairable')),
  copied INTEGER NOT NULL DEFAULT 0 CHECK (copied >= 0),
  reused INTEGER NOT NULL DEFAULT 0 CHECK (reused >= 0),
  problems INTEGER NOT NULL DEFAULT 0 CHECK (problems >= 0),
  encrypted INTEGER NOT NULL DEFAULT 0 CHECK (encrypted IN (0, 1)),
  message TEXT,
  PRIMARY KEY (run_id, path)
) STRICT;

CREATE TABLE repair_log (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES backup_runs (id),
  at TEXT NOT NULL,
  copy_path TEXT NOT NULL,
  file TEXT NOT NULL CHECK (length(file) > 0),
  problem TEXT NOT NULL CHECK (problem IN ('damaged', 'missing', 'unexpected')),
  action TEXT NOT NULL CHECK (action IN ('replaced', 'removed', 'unrepairable')),
  source_path TEXT,
  sha256 TEXT CHECK (sha256 IS NULL OR (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*')),
  -- a replacement names the copy it came from; nothing else does
  CHECK ((action = 'replaced') = (source_path IS NOT NULL))
) STRICT;

CREATE TRIGGER repair_log_no_update BEFORE UPDATE ON repair_log
BEGIN SELECT RAISE(ABORT, 'the repair log is append-only'); END;
CREATE TRIGGER repair_log_no_delete BEFORE DELETE ON repair_log
BEGIN SELECT RAISE(ABORT, 'the repair log is append-only'); END;
`;
