// Whether this register's audit chain has ever been anchored outside the file (`<register>.audit-head`). Without it a
// missing anchor file looks the same as a register that never had one, and the next call of the program anchors the
// chain as it then is — a chain whose newest entries were removed together with the anchor would be anchored anew in
// silence. With it, a missing anchor of a register that had one is recorded in the chain itself (an `audit.anchorLost`
// entry) before the anchor is written again. One row, written once, never changed.
export default `
CREATE TABLE audit_anchor_state (
  id                INTEGER PRIMARY KEY CHECK (id = 1),
  first_anchored_at TEXT NOT NULL CHECK (length(first_anchored_at) >= 20 AND first_anchored_at GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T*')
) STRICT;
CREATE TRIGGER audit_anchor_state_no_update BEFORE UPDATE ON audit_anchor_state
BEGIN SELECT RAISE(ABORT, 'the audit anchor state is written once'); END;
CREATE TRIGGER audit_anchor_state_no_delete BEFORE DELETE ON audit_anchor_state
BEGIN SELECT RAISE(ABORT, 'the audit anchor state is written once'); END;
`;
