// The packet as data: what packet.schema.json describes, as TypeScript types, and the outbox row as the UI sees it.

export const PACKET_FORMAT = 'school-register/packet@1';
export type PacketKind = 'full' | 'delta';
export type PacketState = 'built' | 'signed' | 'sending' | 'accepted' | 'rejected' | 'retry';

export type ClassRef = { name: string; year: string };
export type PacketDocument = { kind: 'birth_certificate' | 'passport'; series: string | null; number: string; date: string | null };

export type PacketStudent = {
  id: string; snils: string | null; lastName: string; firstName: string; middleName: string | null;
  birthDate: string; sex: 'М' | 'Ж'; document: PacketDocument | null;
};
export type PacketEvent = {
  id: string; studentId: string; kind: 'enrolment' | 'transfer' | 'promotion' | 'departure'; date: string;
  order: { number: string; date: string }; fromClass: ClassRef | null; toClass: ClassRef | null; reason: string | null;
};
export type PacketLedger = {
  class: ClassRef; version: number; sha256: string; sealedAt: string;
  marks: Array<{ studentId: string; subject: string; federalCode: string | null; annual: string | null; exam: string | null; final: string | null }>;
};
export type PacketStateExam = {
  id: string; studentId: string; kind: 'ОГЭ' | 'ЕГЭ' | 'ГВЭ'; subject: string; federalCode: string | null;
  year: number; score: number | null; mark: number | null;
};
/** An issued attestat's requisites (книга учёта выданных аттестатов, migration 0005). */
export type PacketAttestat = {
  id: string; studentId: string; kind: 9 | 11; series: string; number: number; year: string; regNumber: number; issueDate: string; withHonours: boolean;
};
export type PacketPortfolioEntry = {
  id: string; studentId: string; eventName: string; status: string; date: string; result: string; title: string | null;
};

export type Packet = {
  format: typeof PACKET_FORMAT;
  header: {
    id: string;
    school: { inn: string; ogrn: string; kpp: string; regionCode: string; shortName: string };
    seq: number; prevHash: string | null; createdAt: string; kind: PacketKind;
  };
  students: PacketStudent[];
  events: PacketEvent[];
  yearlyMarks: PacketLedger[];
  stateExams: PacketStateExam[];
  attestats: PacketAttestat[];
  portfolio: PacketPortfolioEntry[];
  removed: Array<{ entity: 'stateExam' | 'portfolio'; id: string }>;
};

/** A receiver's answer to an accepted packet, kept in the outbox as it came. */
export type Receipt = { receiptId: string; packetId: string; seq: number; sha256: string; acceptedAt: string; duplicate?: boolean };
export type Reason = { code: string; message: string };
