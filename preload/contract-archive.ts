// The schemas of the archive and backup methods (issue 5), kept beside contract.ts so that the methods block at the
// end of the contract stays short. Nothing here imports Node.
import { z } from 'zod';

export const MEDIA_KINDS = ['usb', 'hdd', 'nas', 'optical'] as const;

export const MediaSchema = z.object({
  id: z.number().int(), label: z.string(), kind: z.enum(MEDIA_KINDS), room: z.string(), path: z.string(), encrypted: z.boolean(),
  lastWrittenAt: z.string().nullable(), lastVerifiedAt: z.string().nullable(),
  stale: z.boolean(), unverified: z.boolean(), present: z.boolean(), damaged: z.boolean(),
});
export type MediaT = z.infer<typeof MediaSchema>;

export const MediaInput = z.object({
  label: z.string().max(100).min(1, 'укажите метку носителя'),
  kind: z.enum(MEDIA_KINDS),
  room: z.string().max(200).min(1, 'укажите помещение'),
  path: z.string().max(1000).min(1, 'укажите папку носителя'),
  encrypted: z.boolean().default(false),
});
export type MediaInputT = z.input<typeof MediaInput>;

// ---------- the archive's evidence chain (issue 14, archival renewal) ----------
export const EVIDENCE_STATES = ['none', 'valid', 'pending', 'expired', 'broken'] as const;
export const EvidenceSummarySchema = z.object({
  /** none: no stamp; valid: every entry covered; pending: the newest entries not yet stamped; expired; broken: a link fails */
  state: z.enum(EVIDENCE_STATES), stamps: z.number().int(), covered: z.number().int(), entries: z.number().int(),
  /** until when the chain holds (its last stamp's TSA certificate), null when it does not */
  until: z.string().nullable(), trusted: z.boolean(),
  /** «Доказательства архива действительны до ДД.ММ.ГГГГ …» or the broken link, in Russian */
  message: z.string(),
});
export const EVIDENCE_HASHES = ['sha256', 'sha512'] as const;
export const ArchiveRenewResultSchema = z.object({
  /** the stamp added (null: none was due) */
  stamp: z.object({ n: z.number().int(), kind: z.enum(['head', 'renewal', 'rehash']), hash: z.enum(EVIDENCE_HASHES), entries: z.number().int(),
    time: z.string(), tsa: z.string(), tsaNotAfter: z.string() }).nullable(),
  message: z.string(),
  evidence: EvidenceSummarySchema,
});

export const ArchiveReportSchema = z.object({
  ok: z.boolean(), dir: z.string(), entries: z.number().int(), files: z.number().int(), signatures: z.number().int(),
  untrustedSigners: z.array(z.string()), head: z.string(),
  problems: z.array(z.object({ file: z.string(), entry: z.number().int().optional(), problem: z.string(), message: z.string() })),
  message: z.string(),
  /** sealed versions the archive lacked (a write cut short after the seal), written from the register by this check */
  caughtUp: z.number().int().optional(),
  /** until when the archive's signatures can be checked: the earliest over its signatures of — with a valid timestamp —
   *  the TSA certificate's end of validity, else the earliest end of validity in the signer's chain; null: no signature */
  verifiableUntil: z.object({ until: z.string(), entry: z.number().int(), basis: z.enum(['certificate', 'timestamp', 'evidence']), certificate: z.string(),
    /** «Подпись проверяема до 05.12.2027 …», one sentence */
    message: z.string() }).nullable().optional(),
  /** the archive's evidence chain (RFC 3161 stamps over the manifest, renewed: issue 14); absent for an archive never checked */
  evidence: EvidenceSummarySchema.optional(),
});


export const BagSummarySchema = z.object({ name: z.string(), path: z.string(), encrypted: z.boolean(), baggingDate: z.string().nullable(), bytes: z.number() });

export const RunSchema = z.object({
  id: z.number().int(), kind: z.string(), startedAt: z.string(), finishedAt: z.string().nullable(), state: z.string(), bag: z.string().nullable(),
  by: z.string().nullable(), message: z.string().nullable(), files: z.number().nullable(), bytes: z.number().nullable(),
  results: z.array(z.object({ path: z.string(), mediaId: z.number().nullable(), state: z.string(), copied: z.number(), reused: z.number(),
    problems: z.number(), encrypted: z.boolean(), message: z.string().nullable() })),
  repairs: z.array(z.object({ at: z.string(), copy: z.string(), file: z.string(), problem: z.string(), action: z.string(), source: z.string().nullable() })),
});
export type RunT = z.infer<typeof RunSchema>;

/** What a finished backup job returns (jobs.status → result). Loose: the backend's report may carry more. */
export const BackupJobResultSchema = z.looseObject({
  bag: z.string(), state: z.enum(['ok', 'partial', 'failed']), message: z.string(), warnings: z.array(z.string()),
  destinations: z.array(z.looseObject({ path: z.string(), label: z.string().nullable(), ok: z.boolean(), bagPath: z.string().nullable(),
    encrypted: z.boolean(), copied: z.number(), reused: z.number(), message: z.string() })),
});
export type BackupJobResult = z.infer<typeof BackupJobResultSchema>;
/** What a finished verify job returns. */
export const VerifyJobResultSchema = z.looseObject({
  state: z.enum(['ok', 'damaged', 'repaired', 'unrepairable']), message: z.string(), incomplete: z.array(z.string()),
  copies: z.array(z.looseObject({ bag: z.string(), path: z.string(), destination: z.string(), encrypted: z.boolean(), ok: z.boolean(),
    problems: z.array(z.looseObject({ file: z.string(), problem: z.string(), message: z.string(), action: z.string().optional(), source: z.string().nullable().optional() })),
    // written by this program (its authentication tag verifies under this installation's backup key); not part of `ok`
    genuine: z.boolean(), authenticity: z.string() })),
});
export type VerifyJobResult = z.infer<typeof VerifyJobResultSchema>;
/** What a finished restore / drill job returns. */
export const RestoreJobResultSchema = z.looseObject({
  ok: z.boolean(), drill: z.boolean(), bag: z.string(), target: z.string().nullable(), keptAside: z.string().nullable(), message: z.string(),
  checks: z.array(z.looseObject({ name: z.string(), ok: z.boolean(), message: z.string() })),
});
export type RestoreJobResult = z.infer<typeof RestoreJobResultSchema>;

/** The backup key as it may be shown: its id (the first 8 bytes of its SHA-256, hex) and where it is kept — never the key. */
/** sheetPrinted: the first print of this key's recovery sheet (a second one needs an admin's reason), null if never. */
export const BackupKeyStatusSchema = z.object({ keyId: z.string().nullable(), where: z.string(),
  sheetPrinted: z.object({ at: z.string(), by: z.string() }).nullable().optional() });
export const BackupKeySheetSchema = z.object({ keyId: z.string(), fileName: z.string(), dataBase64: z.string() });
/** replaced: the id of the key that was there before, when another one was replaced. */
export const BackupKeyImportSchema = z.object({ keyId: z.string(), replaced: z.string().nullable(), where: z.string() });

/** A backup copy checked as a witness of the audit log: the register must still hold the copy's newest entry. */
export const AuditWitnessSchema = z.object({
  medium: z.string(), bag: z.string().nullable(),
  state: z.enum(['ok', 'entries_missing', 'rewritten', 'encrypted', 'unreadable', 'absent']), message: z.string(),
});
export type AuditWitnessT = z.infer<typeof AuditWitnessSchema>;
/** What a finished backup.upload job returns: the copy in the central store. */
/** authentic: the copy's authentication tag verified under this computer's key before it was sent (the tag is sent with it). */
export const BagUploadJobResultSchema = z.looseObject({ url: z.string(), files: z.number().int(), bytesSent: z.number(), resumed: z.number().int(), skipped: z.number().int(),
  authentic: z.boolean().optional(), authenticity: z.string().optional() });
export type BagUploadJobResult = z.infer<typeof BagUploadJobResultSchema>;
