// Issue 17, the last two pieces of attestats on blank forms.
//  - curriculum.elective: a class's curriculum entry that is an elective course (элективный курс): no final mark, left
//    out of the finals and of «с отличием», printed on the appendix in its own section after the subjects as «зачтено».
//  - printer_calibrations keyed by (workstation, printer): the computer that prints (the call's workplace, as the
//    read-access log names it) with the printer's name there, so two PCs with printers of the same name keep their own
//    offsets. The rows kept are this computer's («этот компьютер»), the only one that printed before. The key cannot
//    be altered in SQLite: the table is rebuilt with its rows.
import { nonEmpty } from '../sql-checks.ts';

const timestamp = (col: string) => `(${col} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:*Z' AND julianday(${col}) IS NOT NULL)`;

export default `
ALTER TABLE curriculum ADD COLUMN elective INTEGER NOT NULL DEFAULT 0 CHECK (elective IN (0, 1));

CREATE TABLE printer_calibrations_0021 (
  workstation TEXT NOT NULL CHECK (${nonEmpty('workstation')} AND length(workstation) <= 200),
  printer     TEXT NOT NULL CHECK (${nonEmpty('printer')} AND length(printer) <= 200),
  dx_mm       REAL NOT NULL CHECK (dx_mm BETWEEN -10 AND 10),
  dy_mm       REAL NOT NULL CHECK (dy_mm BETWEEN -10 AND 10),
  scale       REAL NOT NULL CHECK (scale BETWEEN 0.95 AND 1.05),
  updated_at  TEXT NOT NULL CHECK ${timestamp('updated_at')},
  updated_by  TEXT NOT NULL CHECK ${nonEmpty('updated_by')},
  PRIMARY KEY (workstation, printer)
) STRICT;
INSERT INTO printer_calibrations_0021 (workstation, printer, dx_mm, dy_mm, scale, updated_at, updated_by)
  SELECT 'этот компьютер', printer, dx_mm, dy_mm, scale, updated_at, updated_by FROM printer_calibrations;
DROP TABLE printer_calibrations;
ALTER TABLE printer_calibrations_0021 RENAME TO printer_calibrations;
`;
