// Issue 19: per-class screens cost by the class, not by the register. The screens ask "who was ever in this class"
// (`student_id IN (SELECT student_id FROM class_memberships WHERE class_id = ?)`: grid, ledger data, alphabet numbers,
// attendance) without `end_date IS NULL`, so 0001's partial index memberships_class could not serve them and each such
// query read every membership of every year (307,373 rows on a 300k-student register, five times per ledger).
// A full index on (class_id, student_id) covers those sub-queries; the partial index stays for "who is in it now".
export default `
CREATE INDEX memberships_class_all ON class_memberships(class_id, student_id);
`;
