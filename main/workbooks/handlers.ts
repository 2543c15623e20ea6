// Journals' workbooks in (import: preview, then commit) and workbooks out (the city register, lists).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Output } from '../../preload/contract.ts';
import { defineHandlers, job, ownCommand, query, signedIn } from '../shared/handler.ts';
import { exportCityRegister } from './city-register.ts';
import { classMarksWorkbook, studentsListWorkbook } from './lists.ts';
import { commitImport, commitJob, previewChanges, previewChangesXlsx, previewImport, previewJob, previewResult } from './import-api.ts';

export const workbooksHandlers = defineHandlers({
  // An export changes nothing in the register; the file reaches the UI as bytes, to be saved where the clerk chooses.
  'export.cityRegister': query(async ({ db }, a) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sr-export-'));
    try {
      const fileName = `Городской регистр ${a.year.replace('/', '-')}.xlsx`;
      const r = await exportCityRegister(db, { year: a.year, out: path.join(dir, fileName) });
      return { fileName, dataBase64: fs.readFileSync(r.file).toString('base64'), classes: r.classes, students: r.students, staff: r.staff, marks: r.marks };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }),
  'export.list': query(async ({ db }, a) => {
    const r = a.list === 'students' ? await studentsListWorkbook(db, a) : await classMarksWorkbook(db, a.classId);
    return { fileName: r.fileName, dataBase64: r.bytes.toString('base64') };
  }),
  'import.preview': query(({ db }, a) => previewImport(db, a)),
  // Reading the file is async: the commit reads, then writes and audits in its own transaction.
  'import.commit': ownCommand(({ db, jobs, user }, a) => commitImport(db, jobs, signedIn(user), a)),
  // As jobs (progress, cancel): the commit holds the register until it ends; the outcome is the starter's only.
  'import.previewStart': job({ writes: false }, ({ db }, a) => previewJob(db, a)),
  'import.previewResult': query(({ jobs, user }, a) => previewResult(jobs, user, a.jobId)),
  'import.previewChanges': query(({ jobs, user }, a) => previewChanges(jobs, user, a)),
  'import.previewChangesXlsx': query(({ jobs, user }, a) => previewChangesXlsx(jobs, user, a)),
  'import.commitStart': job({ writes: true, exclusive: true }, ({ db, jobs, user }, a) => commitJob(db, jobs, signedIn(user), a)),
  'import.commitResult': query(({ jobs, user }, a) => jobs.outcome(a.jobId, 'import.commit', user) as Output<'import.commitResult'>),
});
