// The yearly summary grade ledger (сводная ведомость успеваемости) of one class, as data: what is sealed
// (canonicalised with RFC 8785, hashed with SHA-256, signed) and what every printout (PDF, XLSX) is drawn from.
// Everything a printed sheet shows is in here, so a printout can be checked against the seal; nothing else is
// (no database ids that a restore could renumber, no timestamps of the render).

/** A mark as the register keeps it: '5'…'1', 'зч', 'нз', 'осв', 'н/а'; null when none was given. */
export type LedgerMark = string | null;

export type LedgerPeriod = {
  /** 'q1'…'q4', 'h1', 'h2', 't1'…'t3': stable across years and restores. */
  key: string;
  kind: 'quarter' | 'half' | 'trimester';
  number: number;
  /** As printed: «1 четв.», «2 полуг.», «3 трим.» */
  label: string;
};

export type LedgerSubject = {
  /** The subject's name: unique in the register and stable across restores; the key of marks and stats. */
  name: string;
  shortName: string;
  hasExam: boolean;
};

export type LedgerStudentMarks = {
  /** Period key → mark, for every period of the class. */
  periods: Record<string, LedgerMark>;
  annual: LedgerMark;
  exam: LedgerMark;
  final: LedgerMark;
};

export type LedgerStudent = {
  /** № п/п on the sheet, 1-based, in ФИО order. */
  n: number;
  /** students.id (UUID): internal, stable. */
  id: string;
  /** Number in the алфавитная книга as printed (letter and number, «К-17»), null when the student has none. */
  bookNumber: string | null;
  /** Фамилия Имя Отчество */
  fullName: string;
  /** Subject name → marks. Every curriculum subject is present. */
  marks: Record<string, LedgerStudentMarks>;
  /** Lessons missed in the year: total and of them for a valid reason (illness or another). */
  missed: { total: number; excused: number };
  /** Left the class during the year (transfer, departure): shown, not counted in the totals. */
  left: { date: string; kind: 'transfer' | 'departure' } | null;
};

export type LedgerColumnStats = {
  counts: { '5': number; '4': number; '3': number; '2': number; 'н/а': number };
  /** успеваемость %, one decimal, null when nobody was graded */
  progress: number | null;
  /** качество %, one decimal, null when nobody has a 5-point mark */
  quality: number | null;
};

export type LedgerData = {
  /** The format of this object; bump when its shape changes (old sealed versions keep theirs). */
  format: 'school-register/ledger@1';
  school: {
    fullName: string; shortName: string; inn: string; kpp: string; ogrn: string; address: string;
    director: string; regionCode: string;
  };
  year: string;                       // «2025/2026»
  class: { name: string; parallel: number; letter: string; level: string; adapted: boolean; shift: number };
  homeroomTeacher: string | null;     // ФИО
  periods: LedgerPeriod[];
  subjects: LedgerSubject[];          // curriculum, in the order printed (by name)
  students: LedgerStudent[];
  /** Per subject name: statistics of the final mark column (annual where no final is given). */
  stats: Record<string, LedgerColumnStats>;
  totals: { students: number; allFive: number; fourAndFive: number; withTwoOrNa: number };
};

/** How a version is identified on paper: «A1B2C3D4-v2» — the first 8 hex digits of the SHA-256, upper case, and the version. */
export const verificationCode = (sha256Hex: string, version: number) => `${sha256Hex.slice(0, 8).toUpperCase()}-v${version}`;

/** What a sealed printout carries besides the data: printed on every page (code and QR) and in the PDF's metadata. */
export type LedgerStamp = {
  code: string;            // verificationCode(sha256, version)
  version: number;
  sha256: string;          // hex SHA-256 of the canonical JSON
  sealedAt: string;        // ISO timestamp
  signer: string | null;   // certificate subject, when signed
};
