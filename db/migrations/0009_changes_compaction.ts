// The packets change log (migration 0006) may be compacted, and only that: an entry may be removed once a full packet
// that the region has accepted covers it (its seq ≤ that packet's changes_to). Every later delta starts after the head
// of the chain, which is that full packet or a packet built after it, so nothing reads such an entry again. Any other
// deletion is still refused by the database itself; entries are still never updated (changes_no_update stays).
// An accepted packet never changes state, content or existence again (0006's packets_state_transition,
// packets_content_fixed, packets_keep_sent), so an entry once removable stays removable.
//
// The partial index is the trigger's lookup: the trigger runs once per deleted row, and a compaction removes every
// entry since the previous full packet (hundreds of thousands on a large register), so "is this seq covered" must be
// one index probe, not a scan of the outbox.
export default `
CREATE INDEX packets_accepted_full ON packets(changes_to) WHERE kind = 'full' AND state = 'accepted';
DROP TRIGGER changes_no_delete;
CREATE TRIGGER changes_no_delete BEFORE DELETE ON changes
WHEN NOT EXISTS (SELECT 1 FROM packets INDEXED BY packets_accepted_full WHERE kind = 'full' AND state = 'accepted' AND changes_to >= OLD.seq)
BEGIN SELECT RAISE(ABORT, 'the change log is append-only: only entries covered by an accepted full packet may be removed'); END;
`;
