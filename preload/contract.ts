// The one typed API between the UI and the backend. Every method: its request schema, its response
// schema and the roles allowed to call it. The backend validates every request against this at the
// boundary (main/host/dispatch.ts); the renderer's client is typed from it. Nothing here imports Node.
import { z } from 'zod';
import { MARKS, MARK_SLOTS } from './core/marks.ts';
import { CONSENT_GIVERS, CONSENT_PURPOSES, READ_KINDS, type ReadKind } from './core/consents.ts';
import './contract-messages.ts'; // Russian words for every refused field without its own
import { NetworkShareInput, NetworkStatusSchema } from './contract-network.ts';
import { ArchiveReportSchema, AuditWitnessSchema, BackupJobResultSchema, BagSummarySchema, BagUploadJobResultSchema, MediaInput, MediaSchema, RestoreJobResultSchema, RunSchema,
  VerifyJobResultSchema, BackupKeyStatusSchema, BackupKeySheetSchema, BackupKeyImportSchema,
  ArchiveRenewResultSchema, EVIDENCE_HASHES } from './contract-archive.ts';

export const ROLES = ['clerk', 'archivist', 'admin'] as const;
export type Role = (typeof ROLES)[number];

// ---------- shared field schemas ----------
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'дата в формате ГГГГ-ММ-ДД');
const id = z.number().int().positive();
const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'идентификатор UUID');
const text = (max = 500) => z.string().max(max);
const optText = (max = 500) => z.string().max(max).nullable().optional();
const yearName = z.string().regex(/^\d{4}\/\d{4}$/, 'учебный год в виде 2025/2026');

export const PERIOD_KINDS = ['quarter', 'half', 'trimester'] as const;
export const LEVELS = ['НОО', 'ООО', 'СОО'] as const;
export const DOC_KINDS = ['birth_certificate', 'passport'] as const;
export const MOVEMENT_KINDS = ['enrolment', 'transfer', 'promotion', 'departure'] as const;
/** The kinds of orders in the book: those that move (each movement of its order's kind), the выпуск (departures of
 *  graduates) and the outcome of academic debts (transfers and departures it decides). */
export const ORDER_KINDS = [...MOVEMENT_KINDS, 'graduation', 'academic_debt'] as const;
export const KEPT_BACK_BASES = ['application', 'council'] as const;
export const DEBT_OUTCOMES = ['cleared', 'kept_back', 'other_programme', 'family_education'] as const;

export const UserSchema = z.object({ id, login: z.string(), fullName: z.string(), role: z.enum(ROLES) });
export type User = z.infer<typeof UserSchema>;
/** An account as the administrator manages it: disabled, locked after failed sign-ins (until when), password set when. */
export const UserAccountSchema = UserSchema.extend({ disabled: z.boolean(), failedAttempts: z.number().int(), lockedUntil: z.string().nullable(),
  passwordChangedAt: z.string().nullable() });
export type UserAccount = z.infer<typeof UserAccountSchema>;

export const SchoolSchema = z.object({
  fullName: text(1000), shortName: text(300), inn: z.string(), kpp: z.string(), ogrn: z.string(),
  address: text(1000), director: text(300), regionCode: z.string(),
});
export type School = z.infer<typeof SchoolSchema>;

export const PeriodSchema = z.object({
  id, kind: z.enum(PERIOD_KINDS), number: z.number().int(), startDate: isoDate, endDate: isoDate,
});
export const YearSchema = z.object({
  id, name: yearName, startDate: isoDate, endDate: isoDate,
  // which kind of periods each grade level 1..11 uses in this year
  gradePeriods: z.array(z.object({ grade: z.number().int(), kind: z.enum(PERIOD_KINDS) })),
  periods: z.array(PeriodSchema),
});
export type Year = z.infer<typeof YearSchema>;

export const StaffSchema = z.object({
  id, lastName: z.string(), firstName: z.string(), middleName: z.string().nullable(),
  snils: z.string().nullable(), position: z.string(), subjectIds: z.array(id),
});
export type Staff = z.infer<typeof StaffSchema>;
const StaffInput = z.object({
  lastName: text(100), firstName: text(100), middleName: optText(100),
  snils: optText(20), position: text(200), subjectIds: z.array(id).default([]),
});

export const SubjectSchema = z.object({
  id, name: z.string(), shortName: z.string(), cityRegisterId: z.string().nullable(),
  federalCode: z.string().nullable(), missingCodes: z.array(z.enum(['cityRegisterId', 'federalCode'])),
});
export type Subject = z.infer<typeof SubjectSchema>;
const SubjectInput = z.object({
  name: text(200), shortName: text(50), cityRegisterId: optText(50), federalCode: optText(50),
});

export const ClassSchema = z.object({
  id, yearId: id, yearName, parallel: z.number().int(), letter: z.string(), name: z.string(),
  homeroomTeacherId: id.nullable(), homeroomTeacher: z.string().nullable(), shift: z.number().int(),
  level: z.enum(LEVELS), adapted: z.boolean(), studentCount: z.number().int(),
});
export type SchoolClass = z.infer<typeof ClassSchema>;
const ClassInput = z.object({
  yearId: id, parallel: z.number().int(), letter: text(2), homeroomTeacherId: id.nullable().optional(),
  shift: z.number().int().default(1), level: z.enum(LEVELS).optional(), adapted: z.boolean().default(false),
});

export const GuardianSchema = z.object({
  kind: text(50), fullName: text(300), phone: optText(50), email: optText(200),
});
export type Guardian = z.infer<typeof GuardianSchema>;

export const StudentSchema = z.object({
  id: uuid, lastName: z.string(), firstName: z.string(), middleName: z.string().nullable(),
  birthDate: isoDate, sex: z.enum(['М', 'Ж']), snils: z.string().nullable(),
  docKind: z.enum(DOC_KINDS).nullable(), docSeries: z.string().nullable(), docNumber: z.string().nullable(),
  docDate: isoDate.nullable(), docIssuer: z.string().nullable(), address: z.string().nullable(),
  pdConsentDate: isoDate.nullable(), guardians: z.array(GuardianSchema),
  currentClass: z.object({ id, name: z.string(), yearId: id, yearName }).nullable(),
  bookEntry: z.object({ letter: z.string(), number: z.number().int(), fileNumber: z.string() }).nullable(),
  status: z.enum(['new', 'studying', 'departed']),
  /** the card's version: every change moves it on; students.update takes the one read (issue 18) */
  version: z.number().int(),
});
export type Student = z.infer<typeof StudentSchema>;
export const StudentInput = z.object({
  lastName: text(100), firstName: text(100), middleName: optText(100), birthDate: isoDate,
  sex: z.enum(['М', 'Ж']), snils: optText(20), docKind: z.enum(DOC_KINDS).nullable().optional(),
  docSeries: optText(20), docNumber: optText(30), docDate: isoDate.nullable().optional(), docIssuer: optText(500),
  address: optText(1000), pdConsentDate: isoDate.nullable().optional(), guardians: z.array(GuardianSchema).default([]),
});
export type StudentInputT = z.input<typeof StudentInput>;

export const StudentRowSchema = z.object({
  id: uuid, fullName: z.string(), birthDate: isoDate, snils: z.string().nullable(),
  className: z.string().nullable(), classId: id.nullable(), status: z.enum(['new', 'studying', 'departed']),
});
export type StudentRow = z.infer<typeof StudentRowSchema>;

export const MovementSchema = z.object({
  id, kind: z.enum(MOVEMENT_KINDS), date: isoDate, orderId: id, orderNumber: z.string(), orderDate: isoDate,
  studentId: uuid, studentName: z.string(),
  fromClass: z.string().nullable(), toClass: z.string().nullable(),
  whereFrom: z.string().nullable(), whereTo: z.string().nullable(), reason: z.string().nullable(),
  /** the order that cancelled this movement (it stays in the book, undone as if it had not happened) */
  cancelledBy: z.object({ number: z.string(), date: isoDate }).nullable().optional(),
});
export type Movement = z.infer<typeof MovementSchema>;

export const OrderSchema = z.object({
  id, number: z.string(), date: isoDate, kind: z.enum(ORDER_KINDS), title: z.string(), studentCount: z.number().int(),
  /** the school year the order is numbered in (from August on, the new one) and its place in that year's book */
  schoolYear: yearName, seqInYear: z.number().int(),
  /** another order of its kind has its number in its school year: written before the register refused that (0013) */
  numberedTwice: z.boolean(),
  /** an order of correction: the order it cancels (or amends, for some of its pupils) */
  corrects: z.object({ orderId: id, number: z.string(), date: isoDate, kind: z.enum(['cancel', 'amend']) }).nullable().optional(),
  /** the orders that cancelled or amended this one */
  correctedBy: z.array(z.object({ id, number: z.string(), date: isoDate })).optional(),
});
export type Order = z.infer<typeof OrderSchema>;

/** The promotion as a document to review before it is signed: per class who goes where and on what basis, and what
 *  stops it (each blocker names its class, pupil and subject). */
const ReviewPupilSchema = z.object({ studentId: uuid, name: z.string() });
export const DebtSubjectSchema = z.object({ subjectId: id, subject: z.string(), mark: z.string() });
export const PROMOTION_BLOCKERS = ['no_annual_mark', 'debt_undecided', 'unsealed', 'open_debt'] as const;
export const PromotionReviewSchema = z.object({
  fromYearId: id, yearName, date: isoDate, lastPeriodEnd: isoDate, nextYear: z.object({ id, name: yearName }).nullable(),
  requireSealed: z.boolean(),
  classes: z.array(z.object({
    classId: id, className: z.string(), parallel: z.number().int(), toClass: z.string().nullable(),
    promoted: z.array(ReviewPupilSchema),
    keptBack: z.array(ReviewPupilSchema.extend({ basis: z.enum(KEPT_BACK_BASES), basisDate: isoDate })),
    conditional: z.array(ReviewPupilSchema.extend({ deadline: isoDate, debts: z.array(DebtSubjectSchema) })),
    /** 11th graders, and 9th graders leaving after the 9th: released by a выпуск order, not by the promotion */
    awaitingGraduation: z.array(ReviewPupilSchema),
  })),
  blockers: z.array(z.object({ kind: z.enum(PROMOTION_BLOCKERS), className: z.string(), studentId: uuid.nullable(), studentName: z.string().nullable(),
    subjects: z.array(DebtSubjectSchema), message: z.string() })),
});
export type PromotionReview = z.infer<typeof PromotionReviewSchema>;
export const AcademicDebtSchema = z.object({
  id, studentId: uuid, studentName: z.string(), yearName, className: z.string(), currentClass: z.string().nullable(),
  subjectId: id, subject: z.string(), annualMark: z.string(), deadline: isoDate,
  retakes: z.array(z.object({ date: isoDate, mark: z.string() })),
  outcome: z.enum(DEBT_OUTCOMES).nullable(), outcomeOrder: z.object({ id, number: z.string(), date: isoDate }).nullable(),
});
export type AcademicDebt = z.infer<typeof AcademicDebtSchema>;
const PromotionDecisions = {
  /** kept back: a bare id (as before) is refused by name — the basis and its date are required */
  keptBack: z.array(z.union([uuid, z.object({ studentId: uuid, basis: z.enum(KEPT_BACK_BASES).optional(), basisDate: isoDate.optional() }).strict()])).default([]),
  conditional: z.array(z.object({ studentId: uuid, deadline: isoDate }).strict()).default([]),
  /** 9th graders who leave after the 9th (released by a выпуск order, not promoted to the 10th) */
  leavingAfterNinth: z.array(uuid).default([]),
};
const OrderRef = z.object({ number: text(50).min(1, 'номер приказа обязателен'), date: isoDate,
  /** the clerk confirmed an order dated after today (without it such an order is refused with a question) */
  confirmFuture: z.boolean().optional() });

export const BookEntrySchema = z.object({
  studentId: uuid, letter: z.string(), number: z.number().int(), fileNumber: z.string(), fullName: z.string(),
  birthDate: isoDate, enrolledOn: isoDate, enrolledClass: z.string().nullable(),
  departedOn: isoDate.nullable(), departureReason: z.string().nullable(), whereTo: z.string().nullable(),
  /** the orders of enrolment (the first, not cancelled) and of leaving (while the entry says he left) */
  enrolmentOrder: z.object({ number: z.string(), date: isoDate }).nullable().optional(),
  departureOrder: z.object({ number: z.string(), date: isoDate }).nullable().optional(),
  /** earlier states of the entry that a later one replaced — a leaving taken back (a cancelled order, a return), a date
   *  corrected — oldest first, each with when it was replaced: the book never erases what it said (issue 20) */
  corrected: z.array(z.object({ enteredOn: isoDate, departedOn: isoDate.nullable(), departureReason: z.string().nullable(),
    whereTo: z.string().nullable(), replacedOn: isoDate })).optional(),
});
export type BookEntry = z.infer<typeof BookEntrySchema>;

/** A class of the next year as opening it would make it (issue 20): its curriculum and where that comes from (the
 *  grade's template; seeded from this year's classes of that grade; carried from the class; none), teacher and shift
 *  proposed, each change explained in `notes`. */
export const NextYearClassSchema = z.object({
  parallel: z.number().int(), letter: z.string(), name: z.string(), fromClass: z.string().nullable(), fromClassId: id.nullable(),
  homeroomTeacherId: id.nullable(), homeroomTeacher: z.string().nullable(), shift: z.number().int(), adapted: z.boolean(),
  subjectIds: z.array(id), subjects: z.array(z.string()), curriculumSource: z.enum(['template', 'seeded', 'carried', 'none', 'existing']),
  added: z.array(z.string()), dropped: z.array(z.string()), notes: z.array(z.string()),
  /** the class the next year has already (made by the promotion or by hand), its pupils, and what confirming does to it:
   *  `create` a new class; `update` an existing one (only `changes`); `keep` it as it is */
  existingClassId: id.nullable(), pupils: z.number().int(), action: z.enum(['create', 'update', 'keep']), changes: z.array(z.string()),
});
export type NextYearClass = z.infer<typeof NextYearClassSchema>;
export const NextYearPreviewSchema = z.object({
  fromYear: yearName, yearName, yearExists: z.boolean(), classes: z.array(NextYearClassSchema), graduating: z.array(z.string()),
  firstGrade: z.object({ classes: z.number().int(), pupils: z.number().int().nullable(), perClass: z.number().int().nullable() }),
  /** grades whose new classes take the subjects this year's classes of that grade study (opening seeds their templates) */
  templatesToSeed: z.array(z.number().int()),
  /** classes the next year has already (a started year: the promotion made them) */
  existingClasses: z.number().int(),
});
export type NextYearPreview = z.infer<typeof NextYearPreviewSchema>;
const NextYearArgs = z.object({ fromYearId: id, firstGradeClasses: z.number().int().min(0).max(27).default(0),
  firstGradePupils: z.number().int().min(0).max(2000).nullable().optional() });
/** one first grader of the fast entry form */
const FirstGraderInput = z.object({ lastName: text(100).trim().min(1, 'укажите фамилию'), firstName: text(100).trim().min(1, 'укажите имя'),
  middleName: optText(100), birthDate: isoDate, sex: z.enum(['М', 'Ж']), snils: optText(20) });

export const AuditEntrySchema = z.object({
  id, at: z.string(), login: z.string().nullable(), method: z.string(), detail: z.string(), hash: z.string(),
});
export const AuditVerifySchema = z.object({
  ok: z.boolean(), entries: z.number().int(), brokenAt: z.number().int().nullable(), message: z.string(),
  anchor: z.enum(['ok', 'behind', 'missing', 'broken', 'none']),
});
export const JobSchema = z.object({
  id: z.string(), kind: z.string(), state: z.enum(['running', 'done', 'failed', 'cancelled']),
  done: z.number(), total: z.number(), message: z.string().nullable(), result: z.unknown().optional(),
});
export type Job = z.infer<typeof JobSchema>;


// ---------- marks ----------
// The scale and the slots live in the pure core, shared with the renderer and the CLI.
export { MARKS, MARK_SLOTS, type Mark, type MarkSlot } from './core/marks.ts';

export const SettingsSchema = z.object({ allowMarkOne: z.boolean(),
  /** the school's rule: every class's ledger sealed before the promotion (unset: left as it is) */
  requireSealedBeforePromotion: z.boolean().optional() });
export type Settings = z.infer<typeof SettingsSchema>;

/** Per column of one subject: counts, успеваемость and качество in percent (null with no marks to count). */
export const MarkStatsSchema = z.object({
  counts: z.object({ '5': z.number().int(), '4': z.number().int(), '3': z.number().int(), '2': z.number().int(), 'н/а': z.number().int() }),
  graded: z.number().int(), progress: z.number().nullable(), quality: z.number().nullable(),
});
export type MarkStats = z.infer<typeof MarkStatsSchema>;
/** A column of the grid: 'p<periodId>', 'annual', 'exam' or 'final'. */
export const GridColumnSchema = z.object({
  key: z.string(), slot: z.enum(MARK_SLOTS), periodId: id.nullable(), kind: z.enum(PERIOD_KINDS).nullable(), number: z.number().int().nullable(),
});
export type GridColumn = z.infer<typeof GridColumnSchema>;
export const GradeGridSchema = z.object({
  classId: id, className: z.string(), yearId: id, yearName, allowMarkOne: z.boolean(),
  columns: z.array(GridColumnSchema),
  subjects: z.array(z.object({ id, name: z.string(), shortName: z.string(), hasExam: z.boolean(),
    stats: z.record(z.string(), MarkStatsSchema) })),
  students: z.array(z.object({ id: uuid, fullName: z.string(), inClass: z.boolean(), sex: z.enum(['М', 'Ж']),
    /** the day the student left the class (a transfer or a departure), null while in it */
    leftOn: isoDate.nullable(),
    /** the period columns that began after he left: no marks there (the schema refuses them) */
    closedColumns: z.array(z.string()) })),
  marks: z.array(z.object({ studentId: uuid, subjectId: id, column: z.string(), mark: z.enum(MARKS) })),
  /** the class's ledger is sealed and locked (no correction open): the grid is read-only */
  sealed: z.object({ version: z.number().int(), sealedAt: z.string() }).nullable(),
  /** marks in a closed column, kept from before the rule (migration 0013): shown to the clerk to check */
  afterDeparture: z.array(z.object({ studentId: uuid, subjectId: id, column: z.string() })),
  /** marks shown here that are kept in another class of the year (a pupil's before his transfer), with that class and
   *  whether its ledger is sealed: such a mark is that class's, read-only here when sealed */
  elsewhere: z.array(z.object({ studentId: uuid, subjectId: id, column: z.string(), classId: id, className: z.string(), sealed: z.boolean() })).optional(),
  attendance: z.array(z.object({ studentId: uuid, periodId: id, missed: z.number().int(), missedValid: z.number().int() })),
});
export type GradeGrid = z.infer<typeof GradeGridSchema>;
export const MarkCellInput = z.object({
  studentId: uuid, subjectId: id, slot: z.enum(MARK_SLOTS), periodId: id.nullable().optional(),
  // free text: the backend names the cell when the mark is not on the scale; null or '' clears the cell
  mark: z.string().max(50).nullable(),
  /** the mark the clerk saw in the cell (null: empty): given, a cell changed elsewhere meanwhile is refused (conflict),
   *  naming who changed it, nothing written (issue 18); left out, the cell is written whatever it holds */
  was: z.string().max(50).nullable().optional(),
});
export type MarkCell = z.input<typeof MarkCellInput>;
export const AttendanceInput = z.object({
  studentId: uuid, periodId: id, missed: z.number().int(), missedValid: z.number().int(),
});

// ---------- import from journal workbooks ----------
// The workbook travels as base64: 15 MB of file is 20,000,000 characters, under the HTTP body limit of 20 MiB.
export const IMPORT_MAX_BYTES = 15_000_000;
const IMPORT_MAX_BASE64 = Math.ceil(IMPORT_MAX_BYTES / 3) * 4;
export const IMPORT_KINDS = ['students', 'marks'] as const;
/** Periods a journal column may name: q1–q4 четверти, h1–h2 полугодия, t1–t3 триместры, the year, the exam, the final. */
export const IMPORT_PERIODS = ['q1', 'q2', 'q3', 'q4', 'h1', 'h2', 't1', 't2', 't3', 'year', 'exam', 'final'] as const;
export type ImportPeriod = (typeof IMPORT_PERIODS)[number];
/** Attendance columns: lessons missed; of them for illness; for another valid reason; without one. */
export const ATTENDANCE_PARTS = ['missed', 'ill', 'valid', 'unexcused'] as const;
export type AttendancePart = (typeof ATTENDANCE_PARTS)[number];
/** How a column's meaning is spelled in a mapping: a student field's name, or a mark or attendance column. */
export const importMarkField = (subject: string, period: ImportPeriod | '') => `mark:${subject}|${period}`;
export const importAttendanceField = (part: AttendancePart, period: ImportPeriod | '') => `att:${part}|${period}`;
const ColumnMappingSchema = z.record(z.string().max(300), z.string().regex(/^[A-Z]{1,3}$/, 'буква столбца').nullable());
const ImportArgs = z.object({
  kind: z.enum(IMPORT_KINDS), fileName: text(300).min(1, 'нет имени файла'),
  dataBase64: z.string().min(1, 'пустой файл').max(IMPORT_MAX_BASE64, 'файл больше 15 МБ').regex(/^[A-Za-z0-9+/]*={0,2}$/, 'не base64'),
  // field → column letter, or null to drop a field; the journal's subject name → the register's subject id
  mapping: ColumnMappingSchema.optional(),
  /** per sheet name, over `mapping`: one sheet's columns corrected without touching the others */
  sheetMappings: z.record(z.string().max(300), ColumnMappingSchema).optional(),
  subjectMapping: z.record(z.string().max(300), id).optional(),
  year: yearName.optional(),
});
export const ImportPreviewSchema = z.object({
  kind: z.enum(IMPORT_KINDS), fileName: z.string(), year: yearName.nullable(),
  /** the preview started from the mapping remembered for this journal */
  savedMapping: z.boolean(),
  sheets: z.array(z.object({ sheet: z.string(), headerRow: z.number().int(), mapping: z.record(z.string(), z.string()),
    headers: z.record(z.string(), z.string()), unmapped: z.array(z.object({ col: z.string(), header: z.string() })) })),
  skippedSheets: z.array(z.object({ sheet: z.string(), reason: z.string() })),
  /** what a column can be mapped to */
  fields: z.array(z.object({ field: z.string(), label: z.string() })),
  /** subjects named in the journal the register does not know: map them to a register subject */
  unknownSubjects: z.array(z.string()),
  counts: z.object({ added: z.number().int(), changed: z.number().int(), unchanged: z.number().int() }),
  /** attendance rows (student × period) of a marks journal with attendance columns; null when it has none */
  attendance: z.object({ added: z.number().int(), changed: z.number().int(), unchanged: z.number().int() }).nullable(),
  rejected: z.array(z.object({ sheet: z.string(), row: z.number().int(), column: z.string().nullable(), reason: z.string() })),
  token: z.string(),
  /** what the preview would like the clerk to know, row by row (a register spelling with ё kept over the journal's е) */
  notes: z.array(z.object({ sheet: z.string(), row: z.number().int(), message: z.string() })).optional(),
  /** how many marks and attendance rows (marks) or students (students: rows added or changed) a commit would write;
   *  a preview job's are listed by import.previewChanges */
  changeCount: z.number().int().optional(),
});
export type ImportPreview = z.infer<typeof ImportPreviewSchema>;
/** One mark a commit would write: «ФИО — предмет, период: было → станет»; `id` («лист!D7») is what the clerk excludes.
 *  A students import lists a row each: subject «новый ученик» or the fields changed, period '', column '', id «лист!7». */
export const ImportChangeSchema = z.object({ id: z.string(), sheet: z.string(), row: z.number().int(), column: z.string(), student: z.string(),
  className: z.string(), subject: z.string(), period: z.string(), kind: z.enum(['added', 'changed']), from: z.string().nullable(), to: z.string(),
  /** a mark (when absent) or a period's missed lessons («12 (по уважительной 4)»), listed as subject «Пропуски уроков» */
  what: z.enum(['mark', 'attendance']).optional() });
export type ImportChange = z.infer<typeof ImportChangeSchema>;
/** Which changes of a finished preview job to show: by student (part of the ФИО, ё = е), subject, kind of change. */
const ImportChangesFilter = z.object({ jobId: z.string(), student: z.string().max(200).optional(), subject: z.string().max(300).optional(),
  kind: z.enum(['added', 'changed']).optional() });
export const IMPORT_CHANGES_PAGE_MAX = 500;
export const ImportResultSchema = z.object({
  added: z.number().int(), changed: z.number().int(), unchanged: z.number().int(),
  /** rejected rows (students) or cells (marks) left out */
  rejected: z.number().int(),
  /** false: the register already said all this, nothing written */
  written: z.boolean(),
  /** the pupils added and enrolled by the commit's enrolment order */
  enrolled: z.number().int().optional(),
  /** attendance rows (student × period) of a marks journal with attendance columns */
  attendance: z.object({ added: z.number().int(), changed: z.number().int(), unchanged: z.number().int() }).optional(),
  /** marks or students' rows the clerk excluded in the preview, left as they were */
  excluded: z.number().int().optional(),
});
export type ImportResult = z.infer<typeof ImportResultSchema>;
// No token: commit what the file says now, as the CLI does after showing nothing in between (the file is read once).
const ImportCommitArgs = ImportArgs.extend({ token: z.string().min(1).max(200).optional(), allowRejected: z.boolean().default(false),
  /** the changes (ImportChange.id: a mark's cell «5А!D6», a student's row «Список!7») the clerk left out; the commit
   *  writes exactly the rest */
  exclude: z.array(z.string().min(1).max(400)).max(200_000).optional(),
  /** students only: each pupil the workbook adds is enrolled in this class by this order (first graders); all or none */
  enrolment: z.object({ order: OrderRef.strict(), classId: id, date: isoDate }).strict().optional() });

// ---------- ledgers (сводная ведомость, sealed versions) ----------
// The same shape as main/ledgers/model.ts `LedgerData` (the handlers' types check that they agree).
const LedgerMarkSchema = z.string().nullable();
export const LedgerDataSchema = z.object({
  format: z.literal('school-register/ledger@1'),
  school: z.object({ fullName: z.string(), shortName: z.string(), inn: z.string(), kpp: z.string(), ogrn: z.string(),
    address: z.string(), director: z.string(), regionCode: z.string() }),
  year: z.string(),
  class: z.object({ name: z.string(), parallel: z.number().int(), letter: z.string(), level: z.string(), adapted: z.boolean(), shift: z.number().int() }),
  homeroomTeacher: z.string().nullable(),
  periods: z.array(z.object({ key: z.string(), kind: z.enum(PERIOD_KINDS), number: z.number().int(), label: z.string() })),
  subjects: z.array(z.object({ name: z.string(), shortName: z.string(), hasExam: z.boolean() })),
  students: z.array(z.object({
    n: z.number().int(), id: z.string(), bookNumber: z.string().nullable(), fullName: z.string(),
    marks: z.record(z.string(), z.object({ periods: z.record(z.string(), LedgerMarkSchema), annual: LedgerMarkSchema,
      exam: LedgerMarkSchema, final: LedgerMarkSchema })),
    missed: z.object({ total: z.number().int(), excused: z.number().int() }),
    left: z.object({ date: z.string(), kind: z.enum(['transfer', 'departure']) }).nullable(),
  })),
  stats: z.record(z.string(), z.object({
    counts: z.object({ '5': z.number().int(), '4': z.number().int(), '3': z.number().int(), '2': z.number().int(), 'н/а': z.number().int() }),
    progress: z.number().nullable(), quality: z.number().nullable() })),
  totals: z.object({ students: z.number().int(), allFive: z.number().int(), fourAndFive: z.number().int(), withTwoOrNa: z.number().int() }),
});
export type LedgerDataT = z.infer<typeof LedgerDataSchema>;
export const LedgerCorrectionSchema = z.object({
  id, reason: z.string(), orderNumber: z.string(), orderDate: isoDate, openedBy: z.string(), openedAt: z.string(),
  /** the version that closed it; null while it is open */
  closedByVersion: z.number().int().nullable(),
});
export type LedgerCorrection = z.infer<typeof LedgerCorrectionSchema>;
/** Trusted time (CAdES-T) for this call's signatures: the TSA's address (RFC 3161 over HTTP), the certificates its
 *  tokens must chain to, and what to do when it fails — refuse (nothing is sealed or signed) or sign without time
 *  (said so in the result and the audit log). Not stored: the command line's --tsa/--tsa-ca or SCHOOL_REGISTER_TSA_URL;
 *  without it, a call that signs uses the register's stored TSA (signing.setTsa). */
export const TsaInput = z.object({
  url: z.string().trim().url('адрес службы штампов времени: http:// или https://').max(2000),
  trustedCertsPem: z.array(z.string().max(100_000)).min(1, 'укажите доверенный сертификат службы штампов времени').max(10),
  onFailure: z.enum(['refuse', 'without_time']).default('refuse'),
}).strict();
export type TsaInputT = z.infer<typeof TsaInput>;
/** The TSA certificates a verifier trusts timestamps by (the command line's --tsa-ca or SCHOOL_REGISTER_TSA_CA); none:
 *  a timestamp's signature and imprint are checked, its chain is not (trusted: false). */
const tsaTrustedCertsPem = z.array(z.string().max(100_000)).max(10).optional();
/** The time a TSA vouches a signature existed at; `trusted`: its certificate chains to the configured TSA anchors. */
export const SignatureTimestampSchema = z.object({ time: z.string(), tsa: z.string(), trusted: z.boolean() });
export const LedgerVersionSchema = z.object({
  version: z.number().int(), sha256: z.string(), prevSha256: z.string().nullable(), code: z.string(), sealedAt: z.string(),
  /** ФИО of who sealed it */
  sealedBy: z.string(),
  /** the certificate's subject when signed, else null */
  signer: z.string().nullable(),
  /** the correction this version closed (null for version 1) */
  correction: LedgerCorrectionSchema.nullable(),
  /** a seal just made with a TSA: its time, or null when sealed without time; `timestampFailure`: why (TSA failed) */
  timestamp: SignatureTimestampSchema.nullable().optional(),
  timestampFailure: z.string().optional(),
});
export type LedgerVersion = z.infer<typeof LedgerVersionSchema>;
/** A cell that keeps the class from being sealed: empty (na: false), or marked н/а (na: true: sealed only when the
 *  admin confirms the н/а with allowNa). column: «2 четв.», «годовая», «экзамен», «итоговая». */
export const LedgerMissingSchema = z.object({ studentId: z.string(), student: z.string(), subject: z.string(), column: z.string(), na: z.boolean() });
export type LedgerMissing = z.infer<typeof LedgerMissingSchema>;
/** draft: never sealed; sealed: the current version is sealed and locked; correction: a correction is open. */
export const LEDGER_STATES = ['draft', 'sealed', 'correction'] as const;
export const LedgerSchema = z.object({
  classId: id, state: z.enum(LEDGER_STATES), data: LedgerDataSchema, versions: z.array(LedgerVersionSchema),
  openCorrection: LedgerCorrectionSchema.nullable(), missing: z.array(LedgerMissingSchema),
});
export type Ledger = z.infer<typeof LedgerSchema>;
export const LedgerListRowSchema = z.object({
  classId: id, className: z.string(), state: z.enum(LEDGER_STATES), version: z.number().int().nullable(),
  code: z.string().nullable(),
  /** empty cells, and cells marked н/а, of the students still in the class */
  missing: z.number().int(), na: z.number().int(),
});
/** The school's PKCS#12 for this one call: never stored, the password never logged or audited. Or a key in КриптоПро
 *  CSP (a container or a token) by its certificate's SHA-1 thumbprint, signed by cryptcp; `pin` never logged either. */
const CertificateInput = z.union([
  z.object({
    p12Base64: z.string().min(1, 'пустой файл сертификата').max(2_000_000, 'файл сертификата больше 1,5 МБ').regex(/^[A-Za-z0-9+/]*={0,2}$/, 'не base64'),
    password: z.string().max(500),
    /** the file's name, for messages that name it */
    fileName: z.string().max(255).optional(),
    /** PEM of the issuers to carry in the signature besides those in the PKCS#12 (a chain file given with it) */
    chainPem: z.string().max(500_000, 'файл цепочки больше 500 КБ').optional(),
  }).strict(),
  z.object({
    thumbprint: z.string().regex(/^(?:[0-9A-Fa-f][\s:]?){40}$/, 'отпечаток сертификата: 40 шестнадцатеричных цифр'),
    pin: z.string().max(100).optional(),
  }).strict(),
]);
/** Who signed, in the words of a Russian qualified certificate (subject SN + GN, title, O, ИНН, ОГРН, СНИЛС). */
export const SignerPersonSchema = z.object({
  /** SN + GN («Петрова Ольга Ивановна»), else the CN */
  fullName: z.string(), title: z.string().nullable(), organization: z.string().nullable(),
  inn: z.string().nullable(), ogrn: z.string().nullable(), snils: z.string().nullable(),
  /** the whole subject, as OpenSSL prints it with -nameopt utf8 */
  subject: z.string(),
  /** the issuer's CN (else its whole name) */
  issuer: z.string(), notBefore: z.string(), notAfter: z.string(), serial: z.string(),
});
export type SignerPerson = z.infer<typeof SignerPersonSchema>;
/** A detached signature checked: intact (digest and signature value), the path to the trust anchors, who signed. */
export const SignatureCheckSchema = z.object({
  /** the data and signed attributes are as signed (null: an algorithm that cannot be checked here) */
  intact: z.boolean().nullable(),
  /** the path reaches a configured trusted root (null: no trust anchors configured, or not intact) */
  trusted: z.boolean().nullable(),
  /** one Russian sentence: the verdict, or the link of the chain that fails */
  message: z.string(),
  signer: SignerPersonSchema.nullable(),
  /** the certification path as far as it was built, the signer first */
  chain: z.array(z.object({ commonName: z.string(), subject: z.string(), notBefore: z.string(), notAfter: z.string() })),
  signingTime: z.string().nullable(),
});
export type SignatureCheck = z.infer<typeof SignatureCheckSchema>;
/** A detached signature (.p7s) brought with a PDF to «Проверка документа»: judged over the file's bytes as a
 *  SignatureCheck, with its trusted time (CAdES-T) checked as a seal's is (issue 14). */
export const FileSignatureCheckSchema = SignatureCheckSchema.extend({
  timestamp: SignatureTimestampSchema.nullable(),
  timestampProblem: z.string().nullable(),
});
export type FileSignatureCheck = z.infer<typeof FileSignatureCheckSchema>;
/** The .p7s beside a PDF: a CMS of a few kilobytes (a chain of three certificates and a timestamp fit in 64 KB). */
const p7sBase64 = z.string().min(1, 'пустой файл подписи').max(1_000_000, 'файл подписи больше 700 КБ: это не подпись .p7s')
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'не base64').optional();
/** A root (or other certificate) the register trusts: every verifier builds a signer's path to one of these. */
export const TrustAnchorSchema = z.object({
  commonName: z.string(), subject: z.string(), notBefore: z.string(), notAfter: z.string(), sha256Fingerprint: z.string(), isCa: z.boolean(),
});
export type TrustAnchor = z.infer<typeof TrustAnchorSchema>;
/** The register's time-stamping service as stored (signing.setTsa): every signature made with a certificate — a seal,
 *  a year close, packets — asks it for trusted time unless the call names its own (the command line's --tsa). `url`
 *  null: none stored. `ca`: the certificates its tokens must chain to (also what «Проверка документа» trusts a stamp by). */
export const TsaSettingsSchema = z.object({ url: z.string().nullable(), onFailure: z.enum(['refuse', 'without_time']), ca: z.array(TrustAnchorSchema) });
export type TsaSettings = z.infer<typeof TsaSettingsSchema>;
export const LedgerVerifySchema = z.object({
  /** the code or PDF names a sealed version stored in this register */
  sealed: z.boolean(),
  /** it is the class's latest version (null when not sealed) */
  current: z.boolean().nullable(),
  /** the register's data today still hash to it (null when not sealed) */
  intact: z.boolean().nullable(),
  /** the stored CMS signature verifies over the canonical JSON (null when unsigned or not sealed) */
  signatureValid: z.boolean().nullable(),
  code: z.string().nullable(), version: z.number().int().nullable(), currentVersion: z.number().int().nullable(),
  classId: id.nullable(), className: z.string().nullable(), year: z.string().nullable(),
  sealedAt: z.string().nullable(), sealedBy: z.string().nullable(), signer: z.string().nullable(),
  /** the signature checked with its chain and its signer as a person (null when unsigned or not sealed) */
  signature: SignatureCheckSchema.nullable(),
  /** what differs between the sealed data and the register now: per student, subject and column */
  differences: z.array(z.object({ student: z.string(), subject: z.string().nullable(), column: z.string(),
    sealed: z.string().nullable(), now: z.string().nullable() })),
  /** one Russian sentence with the verdict */
  message: z.string(),
  /** the signature's trusted time (CAdES-T), checked; null: «без штампа времени» or, with timestampProblem, not valid */
  timestamp: SignatureTimestampSchema.nullable(),
  /** why the timestamp the signature carries is not accepted (null when there is none or it holds) */
  timestampProblem: z.string().nullable(),
  /** the .p7s brought with the PDF, checked over the file's bytes (absent when none was brought) */
  pdfSignature: FileSignatureCheckSchema.optional(),
});
export type LedgerVerify = z.infer<typeof LedgerVerifySchema>;
export const LEDGER_PDF_MAX_BASE64 = 20_000_000;

// ---------- certified printouts, attestats and blank forms ----------
export const PRINTOUT_KINDS = ['certificate_of_study', 'alphabet_book', 'attestat_book', 'attestat_appendix'] as const;
export const PrintoutSchema = z.object({
  id, kind: z.enum(PRINTOUT_KINDS), subjectRef: z.string(), title: z.string(), version: z.number().int(), code: z.string(), sha256: z.string(),
  pdfSha256: z.string(), createdAt: z.string(), createdBy: z.string(), fileName: z.string(),
  /** what it is about, as a clerk reads it: the student's ФИО, «буква А», the academic year */
  label: z.string(),
});
export type PrintoutT = z.infer<typeof PrintoutSchema>;
/** A certified printout made (or found: the same data printed again keeps its code), with its PDF. */
export const PrintoutFileSchema = PrintoutSchema.extend({ dataBase64: z.string(), reused: z.boolean() });
/** A certified printout's signature: the .p7s to keep beside its PDF, who signed, when; `already`: it was signed before. */
export const PrintoutSignatureSchema = z.object({ code: z.string(), fileName: z.string(), dataBase64: z.string(), signer: z.string(), signedAt: z.string(),
  already: z.boolean(), timestamp: SignatureTimestampSchema.nullable().optional(), timestampFailure: z.string().optional() });
export const PrintoutVerifySchema = z.object({
  registered: z.boolean(), code: z.string().nullable(), kind: z.enum(PRINTOUT_KINDS).nullable(), title: z.string().nullable(),
  subjectRef: z.string().nullable(), version: z.number().int().nullable(), latestVersion: z.number().int().nullable(),
  /** the latest version of that document */
  current: z.boolean().nullable(),
  /** the register's data today still hash to it */
  intact: z.boolean().nullable(),
  /** for a file: its bytes are the registered PDF's */
  fileMatches: z.boolean().nullable(),
  createdAt: z.string().nullable(), createdBy: z.string().nullable(), message: z.string(),
  /** the .p7s brought with the PDF, checked over the file's bytes (absent when none was brought) */
  pdfSignature: FileSignatureCheckSchema.optional(),
});
const attestatKind = z.union([z.literal(9), z.literal(11)]);
const formNumber = z.number().int().min(1, 'номер бланка — целое число от 1').max(999_999_999);
const formSeries = text(20).trim().min(1, 'укажите серию');
export const BlankFormSchema = z.object({
  id, kind: attestatKind,
  /** a blank «с отличием»: its own form since 2020 (migration 0023) */
  honours: z.boolean(),
  series: z.string(), number: z.number().int(), state: z.enum(['received', 'issued', 'spoiled']), receivedOn: z.string(),
  document: z.string(), spoiledOn: z.string().nullable(), spoiledReason: z.string().nullable(), attestatId: id.nullable(),
});
/** Final marks of a 9th or 11th class by the rules of its year (issue 17): what would be written into the `final` slot,
 *  each with the marks it is the mean of and the final there now; «с отличием» with its reasons either way. */
export const FinalsPreviewSchema = z.object({
  classId: z.number().int(), className: z.string(), year: z.string(), grade: z.number().int(),
  ruleSet: z.object({ id: z.string(), title: z.string() }),
  students: z.array(z.object({
    studentId: z.string(), fullName: z.string(),
    finals: z.array(z.object({ subjectId: z.number().int(), subject: z.string(), inputs: z.array(z.object({ label: z.string(), mark: z.string() })),
      mean: z.string().nullable(), final: z.string(), current: z.string().nullable(), differs: z.boolean() })),
    // eligible: the reasons met; not eligible: each condition not met («не все итоговые 5: Физика — 4»)
    // withHonours: what is in force — `eligible` unless an administrator decided otherwise (`override`, with its reason)
    honours: z.object({ eligible: z.boolean(), reasons: z.array(z.string()), withHonours: z.boolean(),
      override: z.object({ withHonours: z.boolean(), reason: z.string(), by: z.string(), at: z.string() }).nullable() }),
  })),
  /** students who left the class before the end of the year: no finals, and why */
  excluded: z.array(z.object({ studentId: z.string(), fullName: z.string(), reason: z.string() })),
  notes: z.array(z.string()),
  /** finals that differ from the ones in the register now */
  changes: z.number().int(),
});
export type FinalsPreview = z.infer<typeof FinalsPreviewSchema>;

export const AttestatSchema = z.object({
  id, year: z.string(), regNumber: z.number().int(), studentId: z.string(), fullName: z.string(), birthDate: z.string(), kind: attestatKind,
  series: z.string(), number: z.number().int(), issueDate: z.string(), recipient: z.string(), withHonours: z.boolean(),
});
export type AttestatT = z.infer<typeof AttestatSchema>;

// ---------- attestats on blank forms (issue 17) ----------
const BlankStateSchema = z.object({ series: z.string(), number: z.number().int(), regNumber: z.number().int(), issueDate: z.string(),
  state: z.enum(['received', 'issued', 'spoiled']),
  /** the blank printed on is one «с отличием»; a graduate whose withHonours differs must have it spoiled and reprinted */
  honours: z.boolean() });
export const ClassBlanksSchema = z.object({
  classId: z.number().int(), className: z.string(), year: z.string(), grade: z.number().int(),
  students: z.array(z.object({ studentId: z.string(), fullName: z.string(), withHonours: z.boolean(), blank: BlankStateSchema.nullable() })),
  notReady: z.array(z.object({ studentId: z.string(), fullName: z.string(), reason: z.string() })),
});
export type ClassBlanksT = z.infer<typeof ClassBlanksSchema>;
/** A blank drawn for the preview: every field's box (outline) and the text placed in it, in millimetres from the sheet's corner. */
export const BlankPageSchema = z.object({
  layoutId: z.string(), part: z.enum(['attestat', 'appendix']), title: z.string(), width: z.number(), height: z.number(),
  items: z.array(z.object({ field: z.string(), label: z.string(), x: z.number(), y: z.number(), width: z.number(), fontSize: z.number(),
    align: z.enum(['left', 'center']), text: z.string() })),
  outline: z.array(z.object({ field: z.string(), label: z.string(), x: z.number(), y: z.number(), width: z.number(), height: z.number() })),
  qr: z.object({ x: z.number(), y: z.number(), size: z.number(), text: z.string() }).optional(),
});
export type BlankPageT = z.infer<typeof BlankPageSchema>;
export const CalibrationSchema = z.object({ workstation: z.string(), printer: z.string(), dxMm: z.number(), dyMm: z.number(), scale: z.number(),
  updatedAt: z.string().nullable(), updatedBy: z.string().nullable() });
const PrintedBlankSchema = z.object({ studentId: z.string(), fullName: z.string(), series: z.string(), number: z.number().int(),
  regNumber: z.number().int(), issueDate: z.string(), code: z.string(), withHonours: z.boolean() });
const printerName = text(200).trim().min(1, 'укажите принтер');

// ---------- packets to the regional segment, state exams, portfolio (issue 6) ----------
export const STATE_EXAM_KINDS = ['ОГЭ', 'ЕГЭ', 'ГВЭ'] as const;
export const StateExamResultSchema = z.object({
  id, studentId: uuid, studentName: z.string(), kind: z.enum(STATE_EXAM_KINDS), subjectId: id, subject: z.string(),
  year: z.number().int(), score: z.number().int().nullable(), mark: z.number().int().nullable(),
});
export type StateExamResult = z.infer<typeof StateExamResultSchema>;
const StateExamInput = z.object({
  studentId: uuid, kind: z.enum(STATE_EXAM_KINDS), subjectId: id, year: z.number().int(),
  score: z.number().int().nullable().optional(), mark: z.number().int().nullable().optional(),
});
export const PORTFOLIO_STATUSES = ['school', 'municipal', 'regional', 'federal', 'international'] as const;
export const PORTFOLIO_RESULTS = ['participant', 'prize_winner', 'winner'] as const;
export const PortfolioEntrySchema = z.object({
  id, studentId: uuid, eventName: z.string(), status: z.enum(PORTFOLIO_STATUSES), date: isoDate,
  result: z.enum(PORTFOLIO_RESULTS), title: z.string().nullable(),
});
export type PortfolioEntry = z.infer<typeof PortfolioEntrySchema>;
const PortfolioInput = z.object({
  studentId: uuid, eventName: text(500), status: z.enum(PORTFOLIO_STATUSES), date: isoDate,
  result: z.enum(PORTFOLIO_RESULTS), title: optText(300),
});

export const PACKET_STATES = ['built', 'signed', 'sending', 'accepted', 'rejected', 'retry'] as const;
export const CertificateSummarySchema = z.object({
  subject: z.string(), issuer: z.string(), notBefore: z.string(), notAfter: z.string(),
  daysLeft: z.number().int(), expiresSoon: z.boolean(), expired: z.boolean(),
});
export type CertificateSummary = z.infer<typeof CertificateSummarySchema>;
export const TLS_SOURCES = ['none', 'signing', 'file'] as const;
/** The TLS client certificate for the receiver: none, the school's signing certificate, or a file of its own. */
export const TlsClientSettingsSchema = z.object({
  source: z.enum(TLS_SOURCES),
  certificate: CertificateSummarySchema.nullable(),
});
export type TlsClientSettings = z.infer<typeof TlsClientSettingsSchema>;
export const PacketSettingsSchema = z.object({
  endpoint: z.string().nullable(), caPem: z.string().nullable(), timeoutMs: z.number().int(),
  certificate: CertificateSummarySchema.nullable(),
  tls: TlsClientSettingsSchema,
});
export type PacketSettings = z.infer<typeof PacketSettingsSchema>;
export const OutboxPacketSchema = z.object({
  id: uuid, seq: z.number().int(), kind: z.enum(['full', 'delta']), state: z.enum(PACKET_STATES), sha256: z.string(),
  prevHash: z.string().nullable(), students: z.number().int(), attempts: z.number().int(), nextAttemptAt: z.string().nullable(),
  lastError: z.string().nullable(), signer: z.string().nullable(),
  receipt: z.object({ receiptId: z.string(), acceptedAt: z.string() }).passthrough().nullable(),
  reasons: z.array(z.object({ code: z.string(), message: z.string() })).nullable(),
  createdAt: z.string(), signedAt: z.string().nullable(), acceptedAt: z.string().nullable(),
});
export type OutboxPacket = z.infer<typeof OutboxPacketSchema>;
// The packets change log (migration 0009): its size, and what an accepted full packet lets go.
export const ChangeLogSchema = z.object({
  /** entries in the log now; of them, those after the latest accepted full packet (all when none was accepted) */
  entries: z.number().int(), sinceFull: z.number().int(),
  /** entries an accepted full packet covers: a compaction removes them */
  removable: z.number().int(),
  /** that packet's number and changes_to; null when no full packet has been accepted */
  acceptedFull: z.object({ seq: z.number().int(), changesTo: z.number().int() }).nullable(),
  /** numbers missing above it: entries deleted behind the program (a delta is then refused) */
  missing: z.array(z.object({ from: z.number().int(), to: z.number().int() })),
});
export type ChangeLog = z.infer<typeof ChangeLogSchema>;
/** The result of the packets.compactChanges job. */
export const CompactionResultSchema = z.object({ removed: z.number().int(), remaining: z.number().int(),
  acceptedFull: z.object({ seq: z.number().int(), changesTo: z.number().int() }).nullable() });
export type CompactionResult = z.infer<typeof CompactionResultSchema>;

// ---------- what the other jobs give when they are done (loose: a report may carry more than the UI reads) ----------
export const DemoSummarySchema = z.object({ students: z.number().int(), classes: z.number().int(), staff: z.number().int(), subjects: z.number().int(),
  years: z.number().int(), orders: z.number().int(), movements: z.number().int(), marks: z.number().int() });
export type DemoSummary = z.infer<typeof DemoSummarySchema>;
const ClassSealed = z.object({ classId: id, className: z.string(), version: z.number().int(), code: z.string() });
export const CloseYearResultSchema = z.object({ year: z.string(), sealed: z.array(ClassSealed), alreadySealed: z.array(ClassSealed),
  skipped: z.array(z.object({ classId: id, className: z.string(), reason: z.string(), missing: z.number().int(), na: z.number().int() })) });
export type CloseYearResult = z.infer<typeof CloseYearResultSchema>;
/** ledgers.closeYearSummary: what closing the year would seal and what keeps classes back, shown before the job starts. */
export const CloseYearSummarySchema = z.object({ year: z.string(),
  classes: z.array(z.object({ classId: id, className: z.string(), state: z.enum(['open', 'sealed']), students: z.number().int(), marks: z.number().int(),
    missing: z.number().int(), na: z.number().int(), gaps: z.string().nullable() })),
  marks: z.number().int(), missing: z.number().int(), na: z.number().int() });
export type CloseYearSummary = z.infer<typeof CloseYearSummarySchema>;
/** register.checklist: the first-start steps, each done or not as the register says. */
export const START_STEPS = ['school', 'years', 'classes', 'staff', 'subjects', 'students'] as const;
export const StartChecklistSchema = z.object({ steps: z.array(z.object({ key: z.enum(START_STEPS), done: z.boolean(), count: z.number().int() })), done: z.boolean() });
export type StartChecklist = z.infer<typeof StartChecklistSchema>;
const PacketReason = z.looseObject({ code: z.string(), message: z.string() });
export const UploadSummarySchema = z.looseObject({
  accepted: z.array(z.looseObject({ id: z.string(), seq: z.number().int(), receiptId: z.string(), duplicate: z.boolean() })),
  rejected: z.array(z.looseObject({ id: z.string(), seq: z.number().int(), reasons: z.array(PacketReason) })),
  pending: z.number().int(), attempts: z.number().int(), stopped: z.string().optional(), changesRemoved: z.number().int(),
  // why not everything got through, for the top of the summary (the setting and the address when the address may be wrong)
  reason: z.string().optional(),
});
export type UploadSummaryT = z.infer<typeof UploadSummarySchema>;
/** packets.upload: this register's pending packets, or (with `registers`) a batch over several register files. */
export const UploadJobResultSchema = z.union([UploadSummarySchema, z.looseObject({
  registers: z.array(z.looseObject({ file: z.string(), built: z.looseObject({ id: z.string(), seq: z.number().int(), kind: z.string() }).nullable(),
    note: z.string().nullable(), signed: z.number().int(), upload: UploadSummarySchema.nullable(), error: z.string().nullable() })),
  accepted: z.number().int(), rejected: z.number().int(), pending: z.number().int(), failed: z.number().int(),
})]);
const PACKET_P12_MAX_BASE64 = 200_000;
const p12Base64 = z.string().min(1, 'пустой файл').max(PACKET_P12_MAX_BASE64, 'файл сертификата слишком большой').regex(/^[A-Za-z0-9+/]*={0,2}$/, 'не base64');
/** A file or folder on the backend's machine (see `local` below). */
const localPath = z.string().min(1).max(1000);
const trustedPems = z.array(z.string().max(100_000)).max(20).optional();

// ---------- personal data (issue 18): consents, the read-access log, the subject-access report ----------
export { CONSENT_PURPOSES, CONSENT_GIVERS, READ_KINDS, type ReadKind } from './core/consents.ts';
export const ConsentSchema = z.object({
  id, studentId: uuid, givenBy: z.enum(CONSENT_GIVERS), givenByName: z.string(), purposes: z.array(z.enum(CONSENT_PURPOSES)),
  fromDate: isoDate, recordedAt: z.string(), recordedBy: z.string(),
  /** null while in force; a withdrawal is a fact of its own beside the consent, which stays as it was */
  withdrawal: z.object({ date: isoDate, reason: z.string().nullable(), recordedAt: z.string(), recordedBy: z.string() }).nullable(),
});
export type Consent = z.infer<typeof ConsentSchema>;
export const ReadLogEntrySchema = z.object({
  id, at: z.string(), login: z.string(), userName: z.string().nullable(), workplace: z.string(), method: z.string(), kind: z.enum(READ_KINDS),
  /** the students the reading showed (a list: every row), the first 20 by name, and how many in all */
  students: z.array(z.object({ id: uuid, fullName: z.string() })), studentCount: z.number().int(),
});
export type ReadLogEntry = z.infer<typeof ReadLogEntrySchema>;
export const ReadLogSettingsSchema = z.object({ retentionDays: z.number().int(), entries: z.number().int(), oldest: z.string().nullable(),
  /** entries a purge would remove now (read before today minus the retention) */
  expired: z.number().int(),
  lastPurge: z.object({ at: z.string(), login: z.string(), before: isoDate, removed: z.number().int() }).nullable() });
export const ReadLogVerifySchema = z.object({ ok: z.boolean(), entries: z.number().int(), brokenAt: z.number().int().nullable(), message: z.string() });
/** A stale students.update is refused (conflict) with these rows: each field where the card now differs from what was
 *  sent, its value now and the one sent. */
export type VersionConflictRow = { field: string; now: string | null; yours: string | null };

const ok = z.object({ ok: z.literal(true) });
const newPassword = z.string().max(200, 'не длиннее 200 символов');
const userLogin = text(50).trim().min(1, 'укажите логин');
const none = z.object({}).strict();

// ---------- the methods ----------
// Each method says what it is: a query reads, a command changes something and answers at once, a job starts long work
// (progress, cancel: jobs.status / jobs.cancel) and answers {jobId}; its `result` is what jobs.status / jobs.result give
// when it is done. The backend's handler for each method must be of the same kind (main/shared/handler.ts).
export const METHOD_KINDS = ['query', 'command', 'job'] as const;
export type MethodKind = (typeof METHOD_KINDS)[number];
/**
 * `local`: arguments that name files or folders on the machine that runs the backend; dispatch accepts them only from
 * the local command line (the register may one day be served on a network). `register: 'optional'`: the method also
 * works with no register open (the command line without --db): reading copies, an archive folder, other registers.
 */
type MethodOptions = { local?: readonly string[]; register?: 'optional';
  /** the method shows students' personal data: dispatch records each successful call in the read-access log (issue 18) */
  personal?: ReadKind };
type MethodDef = { kind: MethodKind; input: z.ZodType; output: z.ZodType; result?: z.ZodType; roles: readonly Role[] | 'public' } & MethodOptions;
type Roles = readonly Role[] | 'public';
const query = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O, roles: Roles, opts: MethodOptions = {}) =>
  ({ kind: 'query', input, output, roles, ...opts }) as const;
const command = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O, roles: Roles, opts: MethodOptions = {}) =>
  ({ kind: 'command', input, output, roles, ...opts }) as const;
const JobStarted = z.object({ jobId: z.string() });
const job = <I extends z.ZodType, R extends z.ZodType>(input: I, result: R, roles: Roles, opts: MethodOptions = {}) =>
  ({ kind: 'job', input, output: JobStarted, result, roles, ...opts }) as const;
const ANY: readonly Role[] = ROLES;
const CLERK: readonly Role[] = ['clerk', 'admin'];
const ADMIN: readonly Role[] = ['admin'];
const ARCHIVIST: readonly Role[] = ['archivist', 'admin'];

export const contract = {
  'auth.status': query(none, z.object({ needsSetup: z.boolean(), user: UserSchema.nullable() }), 'public'),
  // Passwords are checked by the policy in preload/core/passwords.ts (length, not the login, not one repeated
  // character, not only spaces), named at the field `password`; a sign-in is throttled by login and by client.
  'auth.setupAdmin': command(
    z.object({ login: text(50).trim().min(1, 'Укажите логин'), fullName: text(300).trim().min(1, 'Укажите ФИО'), password: newPassword }).strict(),
    z.object({ session: z.string(), user: UserSchema }), 'public'),
  'auth.signIn': command(z.object({ login: text(50), password: text(200) }).strict(),
    z.object({ session: z.string(), user: UserSchema }), 'public'),
  'auth.signOut': command(none, ok, ANY),
  // One's own password: the current one, then the new; the user's other sessions end.
  'auth.changePassword': command(z.object({ oldPassword: text(200), password: newPassword }).strict(), ok, ANY),

  'users.list': query(none, z.array(UserAccountSchema), ADMIN),
  'users.create': command(z.object({ login: text(50).trim().min(1, 'Укажите логин'), fullName: text(300).trim().min(1, 'Укажите ФИО'), role: z.enum(ROLES),
    password: newPassword }).strict(), UserSchema, ADMIN),
  // The administrator's: each ends the user's sessions (but unlock). The last active administrator can be neither
  // demoted nor disabled.
  'users.resetPassword': command(z.object({ login: userLogin, password: newPassword }).strict(), UserAccountSchema, ADMIN),
  'users.disable': command(z.object({ login: userLogin }).strict(), UserAccountSchema, ADMIN),
  'users.enable': command(z.object({ login: userLogin }).strict(), UserAccountSchema, ADMIN),
  'users.setRole': command(z.object({ login: userLogin, role: z.enum(ROLES) }).strict(), UserAccountSchema, ADMIN),
  'users.unlock': command(z.object({ login: userLogin }).strict(), UserAccountSchema, ADMIN),

  'school.get': query(none, SchoolSchema.nullable(), ANY),
  // the first-start checklist (an empty register: what to fill in first, each step done or not)
  'register.checklist': query(none, StartChecklistSchema, ANY),
  'school.update': command(SchoolSchema.strict(), SchoolSchema, ADMIN),

  'years.list': query(none, z.array(YearSchema), ANY),
  'years.create': command(z.object({ name: yearName, periodKinds: z.array(z.object({ fromGrade: z.number().int(),
    toGrade: z.number().int(), kind: z.enum(PERIOD_KINDS) })).optional() }).strict(), YearSchema, CLERK),

  // The next year in one step: a preview (nothing written), then the clerk's confirmation with his choices.
  'years.nextPreview': query(NextYearArgs.strict(), NextYearPreviewSchema, CLERK),
  'years.openNext': command(NextYearArgs.extend({ classes: z.array(z.object({ parallel: z.number().int(), letter: text(2), homeroomTeacherId: id.nullable(),
    shift: z.number().int().min(1).max(3), include: z.boolean().default(true) }).strict()).max(400).optional() }).strict(),
  z.object({ year: YearSchema, classes: z.array(ClassSchema), curriculumRows: z.number().int(), templatesSeeded: z.array(z.number().int()),
    /** classes the year had already, completed: a curriculum given, the proposed teacher or shift set */
    updated: z.array(ClassSchema) }), CLERK),

  'staff.list': query(none, z.array(StaffSchema), ANY),
  'staff.create': command(StaffInput.strict(), StaffSchema, CLERK),
  'staff.update': command(z.object({ id, data: StaffInput.strict() }).strict(), StaffSchema, CLERK),

  'subjects.list': query(none, z.array(SubjectSchema), ANY),
  'subjects.create': command(SubjectInput.strict(), SubjectSchema, CLERK),
  'subjects.update': command(z.object({ id, data: SubjectInput.strict() }).strict(), SubjectSchema, CLERK),

  'classes.list': query(z.object({ yearId: id.optional() }).strict(), z.array(ClassSchema), ANY),
  'classes.create': command(ClassInput.strict(), ClassSchema, CLERK),
  'classes.update': command(z.object({ id, homeroomTeacherId: id.nullable().optional(), shift: z.number().int().optional(),
    adapted: z.boolean().optional() }).strict(), ClassSchema, CLERK),
  // The class's pupils now; with asOfYearEnd, those whose last place in the class's year was this class — the ones who
  // left the school from it among them, by their status — as the year's city-register workbook lists the class.
  'classes.students': query(z.object({ classId: id, asOfYearEnd: z.boolean().optional() }).strict(), z.array(StudentRowSchema), ANY, { personal: 'list' }),

  'curriculum.get': query(z.object({ classId: id }).strict(), z.array(SubjectSchema), ANY),
  // electiveSubjectIds, when given: exactly these of subjectIds are elective courses (no final mark; «зачтено» on the
  // attestat's appendix); when not, the flags stay as they are
  'curriculum.set': command(z.object({ classId: id, subjectIds: z.array(id), electiveSubjectIds: z.array(id).optional() }).strict(),
    z.array(SubjectSchema), CLERK),
  'curriculum.electives': query(z.object({ classId: id }).strict(), z.array(id), ANY),
  // the subjects each grade studies: what the next year's classes are given (the clerk edits it; seeded from a year)
  'curriculum.templates': query(none, z.array(z.object({ grade: z.number().int(), subjects: z.array(SubjectSchema) })), ANY),
  'curriculum.setTemplate': command(z.object({ grade: z.number().int().min(1).max(11), subjectIds: z.array(id) }).strict(),
    z.object({ grade: z.number().int(), subjects: z.array(SubjectSchema) }), CLERK),
  'curriculum.seedTemplates': command(z.object({ yearId: id }).strict(), z.object({ seeded: z.array(z.number().int()) }), CLERK),

  'students.search': query(z.object({ query: text(200).optional(), classId: id.optional(), yearId: id.optional(),
    limit: z.number().int().min(1).max(1000).default(200), offset: z.number().int().min(0).default(0) }).strict(),
    z.object({ rows: z.array(StudentRowSchema), total: z.number().int() }), ANY, { personal: 'list' }),
  'students.get': query(z.object({ id: uuid }).strict(), StudentSchema, ANY, { personal: 'card' }),
  // With `enrolment`: the card and its enrolment order are one change (a refused enrolment leaves no student behind).
  'students.create': command(StudentInput.extend({ enrolment: z.object({ order: OrderRef.strict(), classId: id, date: isoDate }).strict().optional() }).strict(),
    StudentSchema, CLERK),
  // `version`: the card's version as read; a card changed since is refused (conflict) naming who changed it, when, and
  // each field that differs (rows: VersionConflictRow), nothing written
  'students.update': command(z.object({ id: uuid, data: StudentInput.strict(), version: z.number().int().min(1).optional() }).strict(), StudentSchema, CLERK),
  'students.history': query(z.object({ id: uuid }).strict(), z.array(MovementSchema), ANY, { personal: 'card' }),
  // First graders several at once: each row a new card, all enrolled in one class by one order; all or none.
  'students.enrolFirstGraders': command(z.object({ order: OrderRef.strict(), classId: id, date: isoDate,
    rows: z.array(FirstGraderInput.strict()).min(1, 'добавьте учеников').max(200) }).strict(),
    z.object({ enrolled: z.number().int(), students: z.array(StudentRowSchema) }), CLERK),

  // year: the school year's first calendar year (2026 → 2026/2027); query: a number, a kind's title or a student's ФИО.
  // The first `limit` (at most 1,000) matches, newest first, without saying whether more match: for a look-up by number
  // or name. A whole book (a school's orders over the years) is read page by page with orders.book, which gives the total.
  'orders.list': query(z.object({ limit: z.number().int().min(1).max(1000).default(200), year: z.number().int().min(1900).max(2200).optional(),
    query: text(200).optional() }).strict(), z.array(OrderSchema), ANY),
  'orders.movements': query(z.object({ orderId: id }).strict(), z.array(MovementSchema), ANY),
  // A page of the book of orders with the count of all that match (orders.list stops at its limit; this one says so).
  'orders.book': query(z.object({ limit: z.number().int().min(1).max(1000).default(100), offset: z.number().int().min(0).default(0),
    year: z.number().int().min(1900).max(2200).optional(), query: text(200).optional() }).strict(),
    z.object({ rows: z.array(OrderSchema), total: z.number().int() }), ANY),
  // «Об отмене приказа № … от …» (or, with studentIds, «О внесении изменений»): a new order that undoes the named order's
  // movements as if they had not happened; both stay in the book. Later movements of the same pupils are named and
  // the cancellation refused, unless an administrator confirms the cascade (then they are cancelled too).
  'orders.cancel': command(z.object({ order: OrderRef.strict(), cancels: z.object({ number: text(50).min(1, 'укажите номер отменяемого приказа'), date: isoDate }).strict(),
    studentIds: z.array(uuid).max(5000).optional(), cascade: z.boolean().optional() }).strict(),
    z.object({ order: OrderSchema, cancelled: z.array(MovementSchema), cascaded: z.array(MovementSchema) }), CLERK),
  'orders.get': query(z.object({ orderId: id }).strict(), OrderSchema, ANY),
  // the movements an order of correction cancelled (each with its own order)
  'orders.cancelledBy': query(z.object({ orderId: id }).strict(), z.array(MovementSchema), ANY),
  // An order as a PDF to sign, with its list of students (no verification code: the signed paper is the original).
  'orders.print': query(z.object({ orderId: id }).strict(), z.object({ fileName: z.string(), dataBase64: z.string() }), ANY),
  'orders.enrol': command(z.object({ order: OrderRef.strict(), studentId: uuid, classId: id, date: isoDate,
    whereFrom: optText(500) }).strict(), MovementSchema, CLERK),
  'orders.transfer': command(z.object({ order: OrderRef.strict(), studentId: uuid, toClassId: id, date: isoDate,
    reason: optText(500) }).strict(), MovementSchema, CLERK),
  'orders.depart': command(z.object({ order: OrderRef.strict(), studentId: uuid, date: isoDate, reason: text(500).min(1, 'укажите причину выбытия'),
    whereTo: optText(500) }).strict(), MovementSchema, CLERK),
  // The promotion: reviewed first (the same decisions give the same lists), then confirmed — refused while any blocker
  // remains. A pupil kept back needs a basis (parents' application or педсовет decision) and its date; a conditional
  // promotion, a deadline for the debts. 11th graders (and 9th graders leaving) are left for a выпуск order.
  'orders.promotionReview': query(z.object({ fromYearId: id, date: isoDate.optional(), ...PromotionDecisions }).strict(), PromotionReviewSchema, ANY),
  'orders.promote': command(z.object({ order: OrderRef.strict(), fromYearId: id, toYearId: id, date: isoDate.optional(), ...PromotionDecisions }).strict(),
    z.object({ promoted: z.number().int(), keptBack: z.number().int(), conditional: z.number().int(), leftForGraduation: z.number().int(),
      classesCreated: z.number().int() }), CLERK),
  // Выпуск after the ГИА: 9th and 11th graders with their final marks set and attestats issued, or without an
  // attestat (a справка об обучении given), by an order of its own.
  'orders.graduate': command(z.object({ order: OrderRef.strict(), date: isoDate,
    students: z.array(z.object({ studentId: uuid, withoutAttestat: z.boolean().default(false) }).strict()).min(1, 'выберите выпускников') }).strict(),
    z.object({ released: z.number().int(), withAttestat: z.number().int(), withCertificate: z.number().int() }), CLERK),
  'debts.list': query(z.object({ yearId: id.optional(), open: z.boolean().optional(), studentId: uuid.optional() }).strict(), z.array(AcademicDebtSchema), ANY),
  'debts.recordRetake': command(z.object({ debtId: id, date: isoDate, mark: text(10) }).strict(), AcademicDebtSchema, CLERK),
  // The outcome of a pupil's open debts by an order «Об итогах ликвидации академической задолженности»: cleared (each
  // retaken), kept back (to toClassId, the previous grade this year), another programme (optionally to toClassId),
  // family education (the pupil leaves).
  'debts.decide': command(z.object({ order: OrderRef.strict(), studentId: uuid, outcome: z.enum(DEBT_OUTCOMES), date: isoDate,
    toClassId: id.optional() }).strict(), z.array(AcademicDebtSchema), CLERK),

  'settings.get': query(none, SettingsSchema, ANY),
  'settings.set': command(SettingsSchema.strict(), SettingsSchema, ADMIN),

  'exams.set': command(z.object({ classId: id, subjectIds: z.array(id) }).strict(), z.object({ subjectIds: z.array(id) }), CLERK),
  'grades.grid': query(z.object({ classId: id, subjectId: id.optional() }).strict(), GradeGridSchema, ANY, { personal: 'list' }),
  // A batch of cells (a pasted block is one call): all written, or none and every refused cell named.
  'grades.set': command(z.object({ classId: id, cells: z.array(MarkCellInput.strict()).min(1).max(20000) }).strict(),
    z.object({ written: z.number().int(), cleared: z.number().int() }), CLERK),
  'attendance.set': command(z.object({ classId: id, rows: z.array(AttendanceInput.strict()).min(1).max(20000) }).strict(),
    z.object({ written: z.number().int() }), CLERK),

  'export.cityRegister': query(z.object({ year: yearName }).strict(), z.object({ fileName: z.string(), dataBase64: z.string(),
    classes: z.number().int(), students: z.number().int(), staff: z.number().int(), marks: z.number().int() }), CLERK),
  'export.list': query(z.discriminatedUnion('list', [
    z.object({ list: z.literal('students'), query: text(200).optional(), classId: id.optional() }).strict(),
    z.object({ list: z.literal('classMarks'), classId: id }).strict(),
  ]), z.object({ fileName: z.string(), dataBase64: z.string() }), ANY, { personal: 'list' }),
  'import.preview': query(ImportArgs.strict(), ImportPreviewSchema, CLERK),
  'import.commit': command(ImportCommitArgs.strict(), ImportResultSchema, CLERK),

  // Paged: a regional register's book has hundreds of thousands of entries (issue 19); `total` is all that match.
  'alphabetBook.list': query(z.object({ letter: text(2).optional(), query: text(200).optional(),
    limit: z.number().int().min(1).max(1000).default(200), offset: z.number().int().min(0).default(0) }).strict(),
    z.object({ rows: z.array(BookEntrySchema), total: z.number().int() }), ANY, { personal: 'list' }),

  'audit.list': query(z.object({ limit: z.number().int().min(1).max(1000).default(100) }).strict(), z.array(AuditEntrySchema), ADMIN),
  'audit.verify': query(none, AuditVerifySchema, ADMIN),

  'jobs.status': query(z.object({ id: z.string() }).strict(), JobSchema, ANY),
  'jobs.cancel': command(z.object({ id: z.string() }).strict(), JobSchema, ANY),
  // What a finished job gave, for the one who started it (or an admin), whether or not its result is private to them;
  // its error (code, fields and rows kept) when it failed. Typed by the job's method: JobResult<M>.
  'jobs.result': query(z.object({ id: z.string() }).strict(), z.unknown(), ANY),
  // seed: the same school again (the CLI's --seed, tests)
  'demo.generate': job(z.object({ students: z.number().int().min(1).max(300000), seed: z.number().int().optional() }).strict(), DemoSummarySchema, ADMIN),

  // ---------- import as a long job (issue 3): start → {jobId}; poll jobs.status (progress); jobs.cancel; then the outcome
  // (the error of a refused import comes back from *Result with its code). A commit holds the register until it ends.
  'import.previewStart': job(ImportArgs.strict(), ImportPreviewSchema, CLERK),
  'import.previewResult': query(z.object({ jobId: z.string() }).strict(), ImportPreviewSchema, CLERK),
  'import.commitStart': job(ImportCommitArgs.strict(), ImportResultSchema, CLERK),
  'import.commitResult': query(z.object({ jobId: z.string() }).strict(), ImportResultSchema, CLERK),
  // the changes of a finished marks preview job, a page at a time, filtered; and the same (all pages) as a workbook
  'import.previewChanges': query(ImportChangesFilter.extend({ offset: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).max(IMPORT_CHANGES_PAGE_MAX).default(50) }).strict(),
  z.object({ total: z.number().int(), matching: z.number().int(), subjects: z.array(z.string()), rows: z.array(ImportChangeSchema),
    /** of the total, the attendance rows (a marks journal with attendance columns) */
    attendance: z.number().int().optional() }), CLERK),
  'import.previewChangesXlsx': query(ImportChangesFilter.strict(), z.object({ fileName: z.string(), dataBase64: z.string(), rows: z.number().int() }), CLERK),
  // ---------- ledgers ----------
  'ledgers.list': query(z.object({ yearId: id }).strict(), z.array(LedgerListRowSchema), ANY),
  'ledgers.get': query(z.object({ classId: id }).strict(), LedgerSchema, ANY),
  // No version: the current draft, without a stamp. A version: that sealed version's stored file.
  'ledgers.print': query(z.object({ classId: id, version: z.number().int().min(1).optional(), format: z.enum(['pdf', 'xlsx']) }).strict(),
    z.object({ fileName: z.string(), dataBase64: z.string() }), CLERK),
  // The detached CMS (.p7s) over a sealed version's PDF, when it was sealed with a certificate.
  'ledgers.pdfSignature': query(z.object({ classId: id, version: z.number().int().min(1) }).strict(), z.object({ fileName: z.string(), dataBase64: z.string() }), CLERK),
  // allowNa: seal although some cells are н/а (empty cells are never sealed).
  'ledgers.seal': command(z.object({ classId: id, certificate: CertificateInput.optional(), allowNa: z.boolean().default(false),
    tsa: TsaInput.optional() }).strict(), LedgerVersionSchema, ADMIN),
  // The job's result: { sealed: [{classId, className, version, code}], skipped: [{classId, className, reason, missing}] }.
  // before «Закрыть год»: which classes, how many marks, what is missing
  'ledgers.closeYearSummary': query(z.object({ yearId: id }).strict(), CloseYearSummarySchema, ADMIN),
  'ledgers.closeYear': job(z.object({ yearId: id, certificate: CertificateInput.optional(), allowNa: z.boolean().default(false),
    tsa: TsaInput.optional() }).strict(),
    CloseYearResultSchema, ADMIN),
  // trustedCertsPem (the CLI's --trust): the roots to build the signer's path to instead of the register's own.
  'ledgers.verify': query(z.union([
    z.object({ code: z.string().trim().min(1, 'введите код').max(40), trustedCertsPem: trustedPems, tsaTrustedCertsPem }).strict(),
    z.object({ pdfBase64: z.string().min(1, 'пустой файл').max(LEDGER_PDF_MAX_BASE64, 'файл больше 15 МБ').regex(/^[A-Za-z0-9+/]*={0,2}$/, 'не base64'),
      signatureBase64: p7sBase64, trustedCertsPem: trustedPems, tsaTrustedCertsPem }).strict(),
  ]), LedgerVerifySchema, ANY),
  // The register's trust anchors (<register>.trust.pem beside it): the roots ledger verify, archive verify and restore
  // build a signer's path to. `pem`: a bundle of PEM certificates replacing them all; empty: none.
  'signing.trustAnchors': query(none, z.array(TrustAnchorSchema), ANY),
  'signing.setTrustAnchors': command(z.object({ pem: z.string().max(500_000, 'файл больше 500 КБ') }).strict(), z.array(TrustAnchorSchema), ADMIN),
  // The stored TSA: `url` null removes it; `caPem` (a PEM bundle) may be left out to keep the stored CA for the same service.
  'signing.tsa': query(none, TsaSettingsSchema, ANY),
  'signing.setTsa': command(z.object({ url: z.string().trim().max(2000, 'адрес длиннее 2000 знаков').nullable(),
    caPem: z.string().max(100_000, 'файл больше 100 КБ').optional(), onFailure: z.enum(['refuse', 'without_time']).default('refuse') }).strict(), TsaSettingsSchema, ADMIN),
  'ledgers.correct': command(z.object({ classId: id, reason: text(1000).trim().min(1, 'укажите причину исправления'),
    orderNumber: text(50).trim().min(1, 'номер приказа обязателен'), orderDate: isoDate }).strict(), LedgerCorrectionSchema, ADMIN),

  // ---------- certified printouts, attestats and blank forms ----------
  // Each printout is registered with its verification code; the same data printed again returns the registered copy.
  'printouts.certificateOfStudy': command(z.object({ studentId: uuid }).strict(), PrintoutFileSchema, CLERK, { personal: 'printout' }),
  'printouts.alphabetBook': command(z.object({ letter: text(2).trim().min(1, 'укажите букву') }).strict(), PrintoutFileSchema, CLERK),
  'printouts.attestatBook': command(z.object({ year: yearName }).strict(), PrintoutFileSchema, CLERK),
  'printouts.list': query(z.object({ kind: z.enum(PRINTOUT_KINDS).optional(), limit: z.number().int().min(1).max(1000).default(200) }).strict(),
    z.array(PrintoutSchema), ANY),
  'printouts.get': query(z.object({ code: text(40).trim().min(1, 'введите код') }).strict(), z.object({ fileName: z.string(), dataBase64: z.string() }), CLERK),
  // The PDF of a registered printout signed by the school (admins; a detached CMS, .p7s; with the stored TSA, its time);
  // one signature per printout: a second call gives back the first (`already`). And that signature, for anyone to download.
  'printouts.sign': command(z.object({ code: text(40).trim().min(1, 'введите код'), certificate: CertificateInput }).strict(), PrintoutSignatureSchema, ADMIN),
  'printouts.signature': query(z.object({ code: text(40).trim().min(1, 'введите код') }).strict(), PrintoutSignatureSchema, CLERK),
  'printouts.verify': query(z.union([
    z.object({ code: z.string().trim().min(1, 'введите код').max(40) }).strict(),
    z.object({ pdfBase64: z.string().min(1, 'пустой файл').max(LEDGER_PDF_MAX_BASE64, 'файл больше 15 МБ').regex(/^[A-Za-z0-9+/]*={0,2}$/, 'не base64'),
      signatureBase64: p7sBase64 }).strict(),
  ]), PrintoutVerifySchema, ANY),
  // honours: a delivery of blanks «с отличием» (a form of its own since 2020: one delivery is of one kind)
  'attestats.receiveForms': command(z.object({ kind: attestatKind, honours: z.boolean().default(false), series: formSeries, firstNumber: formNumber,
    lastNumber: formNumber, receivedOn: isoDate, document: text(300).trim().min(1, 'укажите накладную или акт') }).strict(),
    z.object({ receiptId: id, forms: z.number().int(), kindName: z.string() }), CLERK),
  'attestats.spoilForm': command(z.object({ series: formSeries, number: formNumber, date: isoDate,
    reason: text(500).trim().min(1, 'укажите причину') }).strict(), BlankFormSchema, CLERK),
  // A graduate of a 9th/11th class in the register: finals applied, the blank printed for him (series, number and date
  // may be left out: the print's), «с отличием» as computed or decided (a different withHonours is refused). Anyone else
  // (an attestat of a year before the register): series, number and date as on the paper.
  'attestats.issue': command(z.object({ studentId: uuid, kind: attestatKind, series: formSeries.optional(), number: formNumber.optional(),
    issueDate: isoDate.optional(), recipient: text(300).trim().min(1, 'укажите получателя'), withHonours: z.boolean().optional() }).strict(),
  AttestatSchema, CLERK),
  'attestats.list': query(z.object({ year: yearName.optional() }).strict(), z.array(AttestatSchema), ANY),
  'attestats.forms': query(z.object({ series: text(20).optional(), state: z.enum(['received', 'issued', 'spoiled']).optional() }).strict(),
    z.array(BlankFormSchema), ANY),
  // Final marks by the rule set of the class's year (main/attestats/rules.ts): the preview; a class with a mark missing,
  // «н/а» or an exam not taken is refused with every gap in `rows`.
  'attestats.computeFinals': query(z.object({ classId: id }).strict(), FinalsPreviewSchema, ANY),
  // The previewed finals into the ledger's `final` slot (the audit entry records the rule set's id); a set other than the
  // year's is refused.
  'attestats.applyFinals': command(z.object({ classId: id, ruleSetId: text(100).trim().min(1, 'укажите набор правил') }).strict(),
    z.object({ ruleSetId: z.string(), written: z.number().int(), unchanged: z.number().int() }), CLERK),
  // An administrator's «с отличием» against (or back to, withHonours null) what the rules give, always with a reason;
  // kept as a row that is never changed (migration 0013, renumbered 0018 at merge) and audited.
  'attestats.decideHonours': command(z.object({ classId: id, studentId: uuid, withHonours: z.boolean().nullable(),
    reason: text(500).trim().min(5, 'укажите причину (решение педсовета, приказ)') }).strict(),
    z.object({ studentId: z.string(), eligible: z.boolean(), withHonours: z.boolean() }), ADMIN),
  // ---------- attestats on blank forms (issue 17) ----------
  // The class's graduates whose finals are applied, with the blank printed for each (or none), and those not ready.
  'attestats.classBlanks': query(z.object({ classId: id }).strict(), ClassBlanksSchema, ANY),
  // A graduate's attestat and appendix as they print: the layout's fields outlined, the text in them.
  'attestats.blankPreview': query(z.object({ classId: id, studentId: uuid }).strict(),
    z.object({ fullName: z.string(), blank: BlankStateSchema.nullable(), withHonours: z.boolean(), pages: z.array(BlankPageSchema) }), ANY),
  // The class (or one graduate) on blanks, one PDF at 100 %, calibrated for `printer`: takes a received blank for each
  // graduate without one (all or none), reserves the registration number, registers each appendix (its code).
  // A job (progress per graduate, cancel: nothing taken); refusals before it starts.
  'attestats.printClass': job(z.object({ classId: id, studentId: uuid.optional(), issueDate: isoDate.optional(), printer: printerName.optional() }).strict(),
    z.object({ fileName: z.string(), dataBase64: z.string(), printed: z.array(PrintedBlankSchema), taken: z.number().int(),
      skipped: z.array(z.object({ studentId: z.string(), fullName: z.string(), reason: z.string() })), calibration: CalibrationSchema }), CLERK),
  // A graduate's blank spoiled in printing: written off with the reason, the next blank taken and printed.
  'attestats.reprint': command(z.object({ classId: id, studentId: uuid, reason: text(500).trim().min(1, 'укажите, почему бланк испорчен'),
    date: isoDate.optional(), printer: printerName.optional() }).strict(),
  z.object({ fileName: z.string(), dataBase64: z.string(), spoiled: z.object({ series: z.string(), number: z.number().int(), reason: z.string() }),
    printed: PrintedBlankSchema, calibration: CalibrationSchema }), CLERK),
  'attestats.calibrations': query(none, z.array(CalibrationSchema), ANY),
  // offsets in mm (±10), scale 0.95…1.05; the server refuses anything else by field too
  'attestats.setCalibration': command(z.object({ printer: printerName, dxMm: z.number(), dyMm: z.number(), scale: z.number().default(1) }).strict(),
    CalibrationSchema, CLERK),
  // The calibration page (crosses, rulers, a layout's fields outlined) as the printer's calibration places it.
  'attestats.calibrationPage': query(z.object({ printer: printerName.optional(), layoutId: text(100).optional() }).strict(),
    z.object({ fileName: z.string(), dataBase64: z.string(), calibration: CalibrationSchema }), ANY),
  // ---------- archive and backups (issue 5): schemas in contract-archive.ts ----------
  'media.list': query(none, z.array(MediaSchema), ARCHIVIST),
  'media.add': command(MediaInput.strict(), MediaSchema, ARCHIVIST),
  'media.update': command(z.object({ id, data: MediaInput.strict() }).strict(), MediaSchema, ARCHIVIST),
  // From the command line also an archive folder of its own (no register needed then) and the trusted signers' PEMs.
  // tsaTrustedCertsPem (the command line's --tsa-ca): the certificates the evidence chain's stamps must chain to, instead of
  // the stored TSA's (issue 14)
  'archive.verify': query(z.object({ archive: localPath.optional(), trustedCertsPem: trustedPems, tsaTrustedCertsPem }).strict(), ArchiveReportSchema, ARCHIVIST,
    { local: ['archive'], register: 'optional' }),
  // The archive's evidence chain (issue 14): stamps the manifest's head if it is not, re-stamps before the last stamp's
  // TSA certificate ends (within marginDays, default 180; `force`: now), or over the data and the chain with a stronger
  // hash (`hash`: sha512). The stored TSA, or the call's own (the command line's --tsa).
  'archive.renew': command(z.object({ hash: z.enum(EVIDENCE_HASHES).optional(), force: z.boolean().optional(),
    marginDays: z.number().int().min(1).max(3650).optional(), tsa: TsaInput.optional() }).strict(), ArchiveRenewResultSchema, ARCHIVIST),
  // The audit log against the newest copy on each medium (a witness kept elsewhere); the passphrase is used, never kept.
  'audit.witness': query(z.object({ mediaIds: z.array(id).min(1, 'выберите носители').max(10), passphrase: z.string().max(500).optional() }).strict(),
    z.array(AuditWitnessSchema), ARCHIVIST),
  // The same against the newest copy in each folder named by its path (the CLI's audit verify --witness); reads only.
  'audit.witnessFolders': query(z.object({ folders: z.array(text(1000).min(1)).min(1, 'укажите папки').max(10), passphrase: z.string().max(500).optional() }).strict(),
    z.array(AuditWitnessSchema), ADMIN, { local: ['folders'] }),
  // Long work is a job (jobs.status / jobs.cancel); its result is BackupJobResult / VerifyJobResult / RestoreJobResult.
  // Media by id, or (the command line) folders: a folder registered as a medium is encrypted as the medium says;
  // `encrypt` encrypts every copy.
  'backup.start': job(z.object({ mediaIds: z.array(id).min(2, 'нужно не меньше двух носителей').max(10).optional(), confirmSameDevice: z.boolean().default(false),
    passphrase: z.string().max(500).optional(), folders: z.array(localPath).min(2, 'нужно не меньше двух носителей').max(10).optional(),
    encrypt: z.boolean().optional() }).strict(), BackupJobResultSchema, ARCHIVIST, { local: ['folders'] }),
  'backup.verify': job(z.object({ mediaIds: z.array(id).min(1).max(10).optional(), repair: z.boolean().default(false),
    folders: z.array(localPath).min(1).max(100).optional() }).strict(), VerifyJobResultSchema, ARCHIVIST, { local: ['folders'], register: 'optional' }),
  'backup.bags': query(z.object({ mediaId: id }).strict(), z.array(BagSummarySchema), ARCHIVIST),
  // A bag on a medium by id, or (the command line) a bag's folder; `target` a new file, or an existing one put aside.
  'backup.restore': job(z.object({ mediaId: id.optional(), bag: z.string().min(1).max(200).optional(), drill: z.boolean(), target: z.string().max(1000).optional(),
    passphrase: z.string().max(500).optional(), bagPath: localPath.optional(), trustedCertsPem: trustedPems,
    acceptForeign: z.boolean().optional() }).strict(), RestoreJobResultSchema, ARCHIVIST,
    { local: ['bagPath'], register: 'optional' }),
  // A finished copy to the central store (resumable); the token is used, never kept. The result is the upload's summary.
  'backup.upload': job(z.object({ bagPath: localPath, url: z.string().max(2000).regex(/^https?:\/\/\S+$/, 'адрес вида https://…'), token: z.string().max(2000).optional() }).strict(),
    BagUploadJobResultSchema, ARCHIVIST, { local: ['bagPath'], register: 'optional' }),
  'backup.history': query(z.object({ limit: z.number().int().min(1).max(500).default(50) }).strict(), z.array(RunSchema), ARCHIVIST),
  // ---------- packets to the regional segment, state exams, portfolio (issue 6) ----------
  'exams.results': query(z.object({ studentId: uuid.optional(), year: z.number().int().optional() }).strict(), z.array(StateExamResultSchema), ANY),
  'exams.addResult': command(StateExamInput.strict(), StateExamResultSchema, CLERK),
  'exams.updateResult': command(z.object({ id, data: StateExamInput.strict() }).strict(), StateExamResultSchema, CLERK),
  'exams.removeResult': command(z.object({ id }).strict(), ok, CLERK),
  'portfolio.list': query(z.object({ studentId: uuid }).strict(), z.array(PortfolioEntrySchema), ANY),
  'portfolio.add': command(PortfolioInput.strict(), PortfolioEntrySchema, CLERK),
  'portfolio.update': command(z.object({ id, data: PortfolioInput.strict() }).strict(), PortfolioEntrySchema, CLERK),
  'portfolio.remove': command(z.object({ id }).strict(), ok, CLERK),
  'packets.settings': query(none, PacketSettingsSchema, ADMIN),
  'packets.setEndpoint': command(z.object({ endpoint: z.string().max(2000).regex(/^https?:\/\/\S+$/, 'адрес вида https://…'),
    caPem: z.string().max(100_000).nullable().optional(), timeoutMs: z.number().int().min(100).max(600_000).optional() }).strict(), PacketSettingsSchema, ADMIN),
  // The PKCS#12 is kept (encrypted, as the file is); the password only opens it for this call.
  'packets.loadCertificate': command(z.object({ p12Base64: z.string().min(1, 'пустой файл').max(PACKET_P12_MAX_BASE64, 'файл сертификата слишком большой')
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'не base64'), password: z.string().max(200) }).strict(), CertificateSummarySchema, ADMIN),
  'packets.build': command(z.object({ kind: z.enum(['full', 'delta']).optional() }).strict(),
    z.object({ id: uuid, seq: z.number().int(), kind: z.enum(['full', 'delta']), sha256: z.string(), prevHash: z.string().nullable(), students: z.number().int(), bytes: z.number().int() }), ADMIN),
  // `p12Base64`: a certificate for this call only (the command line's --cert) instead of the loaded one.
  // `thumbprint` (with `pin`): a key in КриптоПро CSP instead of a PKCS#12, signed by cryptcp (`password` is then unused).
  'packets.sign': command(z.object({ password: z.string().max(200), p12Base64: p12Base64.optional(), tsa: TsaInput.optional(),
    thumbprint: z.string().regex(/^(?:[0-9A-Fa-f][\s:]?){40}$/, 'отпечаток сертификата: 40 шестнадцатеричных цифр').optional(), pin: z.string().max(100).optional() }).strict(),
    z.object({ signed: z.array(z.object({ id: uuid, seq: z.number().int() })), signer: z.string(),
      /** with a TSA: how many signatures carry its time, and why the rest do not (sealed without time) */
      timestamped: z.number().int().optional(), timestampFailure: z.string().optional() }), ADMIN),
  'packets.list': query(z.object({ limit: z.number().int().min(1).max(1000).default(200) }).strict(),
    z.object({ rows: z.array(OutboxPacketSchema), counts: z.record(z.enum(PACKET_STATES), z.number().int()) }), ADMIN),
  // A job: every pending packet of this register, or build+sign+upload for several register files (password needed then).
  // tlsPassword opens the TLS client certificate (when one is chosen) for this job only.
  // For this run only (the command line): the receiver's address, CA and timeout, the TLS client certificate
  // (`tlsP12Base64`, opened with tlsPassword) and, for `registers`, the signing certificate (`p12Base64`); with them
  // and `registers` no register need be open.
  'packets.upload': job(z.object({ scope: z.enum(['all', 'next']).default('all'), registers: z.array(text(1000).min(1)).max(500).optional(),
    password: z.string().max(200).optional(), tlsPassword: z.string().max(200).optional(),
    concurrency: z.number().int().min(1).max(16).default(3),
    endpoint: z.string().max(2000).optional(), caPem: z.string().max(100_000).nullable().optional(), timeoutMs: z.number().int().min(100).max(600_000).optional(),
    tlsP12Base64: p12Base64.optional(), p12Base64: p12Base64.optional() }).strict(), UploadJobResultSchema, ADMIN, { register: 'optional' }),
  // ---------- restore over the open register ----------
  // A job (result: the restore report); once it is done the program works on the restored register and every session
  // has ended: sign in again, with the users and passwords of the copy.
  // takeAccountsFromCopy, confirmAuditDifference: an admin's confirmations (refused to anyone else by the backend)
  'backup.restoreOpen': job(z.object({ mediaId: id, bag: z.string().min(1).max(200), passphrase: z.string().max(500).optional(),
    takeAccountsFromCopy: z.boolean().optional(), confirmAuditDifference: z.boolean().optional(), acceptForeign: z.boolean().optional() }).strict(),
    RestoreJobResultSchema, ARCHIVIST),
  // ---------- the backup key (issue 15): every copy carries a tag under it; it lives outside registers and bags ----------
  // acceptForeign above: an admin's confirmation to restore a copy not written by this program (refused to anyone else).
  // The key's id (never the key) and where it is kept; keyId null: no key on this computer yet.
  'backup.keyStatus': query(none, BackupKeyStatusSchema, ARCHIVIST, { register: 'optional' }),
  // The recovery sheet: a PDF with the key (hex and base32), its id, the date and the school. Audited, the key never in the log.
  // Printed once per key: a second print is a conflict (at `reason`) unless the admin gives the reason, audited with it.
  'backup.keySheet': command(z.object({ reason: z.string().trim().min(5, 'причина — хотя бы несколько слов').max(500).optional() }).strict(),
    BackupKeySheetSchema, ADMIN),
  // The key typed or loaded from the recovery sheet on a new computer (64 hex digits or 52 base32 letters; spaces do not
  // matter). A different key already there is replaced only with `replace`. Audited (its id, never the key) when a register is open.
  'backup.keyImport': command(z.object({ key: z.string().min(1, 'введите ключ').max(300), replace: z.boolean().default(false) }).strict(),
    BackupKeyImportSchema, ADMIN, { register: 'optional' }),
  // A new key replacing this computer's (re-keying): copies signed with the old one become «not written by this program»
  // unless its sheet is imported again; the new key's sheet prints once. `confirm` says the admin knows. Audited (both ids).
  'backup.keyRenew': command(z.object({ confirm: z.literal(true, 'подтвердите замену ключа') }).strict(), BackupKeyImportSchema, ADMIN, { register: 'optional' }),
  // ---------- packets: the TLS client certificate for a receiver that demands mutual TLS ----------
  // 'file': the PKCS#12 is kept (encrypted, as the file is); the password only opens it for this call.
  'packets.setTlsCertificate': command(z.object({ source: z.enum(TLS_SOURCES),
    p12Base64: z.string().min(1, 'пустой файл').max(PACKET_P12_MAX_BASE64, 'файл сертификата слишком большой').regex(/^[A-Za-z0-9+/]*={0,2}$/, 'не base64').optional(),
    password: z.string().max(200).optional() }).strict(), TlsClientSettingsSchema, ADMIN),
  // ---------- the packets change log's compaction (migration 0009) ----------
  'packets.changeLog': query(none, ChangeLogSchema, ADMIN),
  // A job (jobs.status / jobs.cancel) removing what an accepted full packet covers, a few thousand entries per
  // transaction; its result is CompactionResult.
  'packets.compactChanges': job(z.object({ slice: z.number().int().min(1).max(1_000_000).optional() }).strict(), CompactionResultSchema, ADMIN),
  // ---------- personal data (issue 18) ----------
  // Consents with their history: a withdrawal is a new fact beside the consent, which is never changed.
  'consents.list': query(z.object({ studentId: uuid }).strict(), z.array(ConsentSchema), ANY, { personal: 'card' }),
  'consents.add': command(z.object({ studentId: uuid, givenBy: z.enum(CONSENT_GIVERS),
    givenByName: text(300).trim().min(1, 'укажите, кто дал согласие'),
    purposes: z.array(z.enum(CONSENT_PURPOSES)).min(1, 'отметьте хотя бы одну цель обработки').max(CONSENT_PURPOSES.length), fromDate: isoDate }).strict(),
    ConsentSchema, CLERK),
  'consents.withdraw': command(z.object({ id, date: isoDate, reason: optText(500) }).strict(), ConsentSchema, CLERK),
  // The read-access log (who read which student's card, list or printout, from which workplace), newest first.
  'readLog.list': query(z.object({ studentId: uuid.optional(), student: text(200).optional(), login: text(50).optional(),
    limit: z.number().int().min(1).max(1000).default(100), offset: z.number().int().min(0).default(0) }).strict(),
    z.object({ rows: z.array(ReadLogEntrySchema), total: z.number().int() }), ADMIN),
  'readLog.verify': query(none, ReadLogVerifySchema, ADMIN),
  'readLog.settings': query(none, ReadLogSettingsSchema, ADMIN),
  'readLog.setRetention': command(z.object({ retentionDays: z.number().int().min(30, 'не меньше 30 дней').max(3650, 'не больше 10 лет') }).strict(),
    ReadLogSettingsSchema, ADMIN),
  // Removes the entries older than the retention (audited: how many, up to which, the hash the chain goes on from).
  'readLog.purge': command(none, z.object({ removed: z.number().int(), before: isoDate, upToId: z.number().int().nullable() }), ADMIN),
  // What the register holds on a student and who read it, as a PDF (the subject-access report, 152-ФЗ ст. 14).
  'students.accessReport': query(z.object({ studentId: uuid }).strict(), z.object({ fileName: z.string(), dataBase64: z.string() }), CLERK,
    { personal: 'printout' }),
  // Change counters moved by every write whoever makes it: an open grid polls its class's marks counter.
  'register.changes': query(z.object({ area: z.enum(['marks', 'students']), classId: id.optional() }).strict(),
    z.object({ counter: z.number().int() }), ANY),
  // ---------- the office network (issue 18): the same contract over HTTPS for other workplaces, off by default ----------
  // The state every screen shows (shared or not, the address, the certificate's fingerprint to compare).
  'network.status': query(none, NetworkStatusSchema, ANY),
  // An admin shares the register on one of this computer's addresses: the first share makes the server's key and
  // self-signed certificate. Only on the register's own computer (refused over the network). Audited.
  'network.share': command(NetworkShareInput, NetworkStatusSchema, ADMIN),
  'network.stop': command(none, NetworkStatusSchema, ADMIN),
} as const satisfies Record<string, MethodDef>;

export type Contract = typeof contract;
export type Method = keyof Contract;
/** What a caller sends (defaults may be left out). */
export type Input<M extends Method> = z.input<Contract[M]['input']>;
/** What the handler gets: the request as validated, defaults filled in. */
export type Args<M extends Method> = z.output<Contract[M]['input']>;
export type Output<M extends Method> = z.output<Contract[M]['output']>;
export type KindOf<M extends Method> = Contract[M]['kind'];
export type MethodsOfKind<K extends MethodKind> = { [M in Method]: Contract[M]['kind'] extends K ? M : never }[Method];
export type JobMethod = MethodsOfKind<'job'>;
/** What a finished job of method M gives (jobs.status → result, or jobs.result). */
export type JobResult<M extends JobMethod> = z.output<Contract[M]['result']>;
/** The methods, by kind, as data: for the renderer's useJob and for tests over the whole contract. */
export const methodKind = (method: Method): MethodKind => contract[method].kind;

// Errors cross the boundary as data, never as thrown objects.
export const ERROR_CODES = ['validation', 'unauthenticated', 'forbidden', 'not_found', 'conflict', 'cancelled', 'internal'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];
/** One item a refusal lists whole: a rejected cell {sheet, row, column, reason}, a subject {id, name} … */
export type ApiErrorRow = Record<string, string | number | null>;
/** `rows`: every item the refusal is about, where `message` names only the first (an import's rejected cells). */
export type ApiError = { code: ErrorCode; message: string; fields?: Record<string, string>; rows?: ApiErrorRow[] };
export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };
export type Envelope = { method: string; args: unknown; session?: string | null };

export const IPC_CHANNEL = 'school-register:call';
