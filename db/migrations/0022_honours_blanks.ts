// Attestats «с отличием» on their own blank forms (issue 17). Since the forms of приказ Минпросвещения № 545 of
// 05.10.2020 (filled by the order № 546 of the same day) an attestat об основном / о среднем общем образовании
// с отличием is a form of its own — bought, numbered and accounted apart from the ordinary one — while its appendix is
// the common appendix form. So a blank form says whether it is «с отличием»:
//  - attestat_form_receipts.honours and attestat_forms.honours (0/1): a delivery is of one kind, each of its forms of
//    that kind, never changed; forms received before this migration stay ordinary (the register did not know then).
//  - an attestat is entered in the book only on a form of its own kind: «с отличием» (attestats.with_honours) equal to
//    the form's flag, both ways.
//  - a print: where an administrator's decision on «с отличием» is in force for the graduate (the latest row of
//    attestat_honours_decisions with a value), the form must be of that kind. What the rules give is not stored — it is
//    computed from the marks and the ГИА results by the versioned rule sets in main/attestats/rules.ts — so a trigger
//    cannot see it without repeating the rules in SQL; the one function that takes a blank (takeBlank in
//    main/attestats/prints.ts) checks the form against the graduate's «с отличием» as computed or decided.

export default `
ALTER TABLE attestat_form_receipts ADD COLUMN honours INTEGER NOT NULL DEFAULT 0 CHECK (honours IN (0, 1));
ALTER TABLE attestat_forms ADD COLUMN honours INTEGER NOT NULL DEFAULT 0 CHECK (honours IN (0, 1));

CREATE TRIGGER attestat_forms_honours_of_receipt BEFORE INSERT ON attestat_forms
WHEN NEW.honours IS NOT (SELECT r.honours FROM attestat_form_receipts r WHERE r.id = NEW.receipt_id)
BEGIN SELECT RAISE(ABORT, 'бланк «с отличием» или обычный — такой же, как в его поступлении'); END;
CREATE TRIGGER attestat_forms_honours_fixed BEFORE UPDATE OF honours ON attestat_forms
BEGIN SELECT RAISE(ABORT, 'вид бланка (обычный или «с отличием») не меняется'); END;

CREATE TRIGGER attestats_form_honours BEFORE INSERT ON attestats
WHEN NOT EXISTS (SELECT 1 FROM attestat_forms f WHERE f.id = NEW.form_id AND f.honours = NEW.with_honours)
BEGIN SELECT RAISE(ABORT, 'аттестат с отличием выдаётся только на бланке аттестата с отличием, обычный — только на обычном бланке'); END;

CREATE TRIGGER attestat_prints_honours_decided BEFORE INSERT ON attestat_prints
WHEN EXISTS (SELECT 1 FROM attestat_honours_decisions d JOIN attestat_forms f ON f.id = NEW.form_id
  WHERE d.id = (SELECT max(x.id) FROM attestat_honours_decisions x WHERE x.student_id = NEW.student_id AND x.class_id = NEW.class_id)
    AND d.with_honours IS NOT NULL AND d.with_honours <> f.honours)
BEGIN SELECT RAISE(ABORT, 'бланк не того вида: по решению администратора выпускнику положен другой аттестат (обычный или «с отличием»)'); END;
`;
