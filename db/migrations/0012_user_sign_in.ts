// Sign-in that resists guessing, and accounts an administrator manages (main/users/). Each user now keeps how many
// sign-ins failed in a row and when the last one did (the growing delay before the next try is reckoned from them),
// until when the account is locked after too many failures (an administrator can lift it), and when the password was
// last set. `disabled` (0001) is now used: a disabled user cannot sign in. Every existing user and password keeps
// working: the new columns start empty (no failures, not locked, the password's date unknown).
//
// Columns only (ADD COLUMN keeps the table and the rows that refer to it); each carries its own CHECK. The rule that
// a register always keeps an active administrator is a trigger: the last one can be neither demoted nor disabled.
const timestamp = (col: string) => `(${col} IS NULL OR (${col} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:*Z'
  AND julianday(${col}) IS NOT NULL))`;

export default `
ALTER TABLE users ADD COLUMN failed_attempts INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0);
ALTER TABLE users ADD COLUMN last_failed_at TEXT CHECK ${timestamp('last_failed_at')};
ALTER TABLE users ADD COLUMN locked_until TEXT CHECK ${timestamp('locked_until')};
ALTER TABLE users ADD COLUMN password_changed_at TEXT CHECK ${timestamp('password_changed_at')};

CREATE TRIGGER users_keep_an_admin BEFORE UPDATE OF role, disabled ON users
WHEN OLD.role = 'admin' AND OLD.disabled = 0 AND (NEW.role IS NOT 'admin' OR NEW.disabled IS NOT 0)
  AND NOT EXISTS (SELECT 1 FROM users WHERE id <> OLD.id AND role = 'admin' AND disabled = 0)
BEGIN SELECT RAISE(ABORT, 'последнего действующего администратора нельзя лишить роли или отключить'); END;
`;
