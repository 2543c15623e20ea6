// Issue 19: per-class screens cost by the class, not by the register. The screens ask "who was ever in this class"
// (`student_id IN (SELECT student_id FROM class_memberships WHERE class_id = ?)`: grid, ledger data, alphabet numbers,
// attendance) without `end_date IS NULL`, so 0001's partial index memberships_class could not serve them and each such
// query read every membership of every year (307,373 rows on a 300k-student register, five times per ledger).
// A full index on (class_id, student_id) covers those sub-queries; the partial index stays for "who is in it now".
//
// The алфавитная книга is listed a page at a time in its own order (letters by the Russian alphabet, Ё after Е, then
// the number): an index on that very expression (main/alphabet-book/book.ts BOOK_ORDER) lets a page be read in order
// instead of sorting the whole book (~3.5 s for 300,000 entries) for every page.
export default `
CREATE INDEX memberships_class_all ON class_memberships(class_id, student_id);
CREATE INDEX alphabet_book_order ON alphabet_book(coalesce(nullif(instr('АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ', letter), 0), 99), letter, number);
`;
