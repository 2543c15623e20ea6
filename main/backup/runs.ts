// The history of backups, verifications and restores (backup_runs, one result per destination), the repair log,
// and the media register: each destination's label, kind, room, and when it was last written and verified.
import fs from 'node:fs';
import path from 'node:path';
import type { DB } from '../../db/connection.ts';
import { AppError, fieldError, notFound } from '../shared/errors.ts';
import { nowIso } from '../../preload/core/dates.ts';

export type RunKind = 'backup' | 'verify' | 'restore' | 'drill' | 'upload';
export type RunState = 'running' | 'ok' | 'partial' | 'failed' | 'cancelled' | 'damaged' | 'unrepairable';

export function startRun(db: DB, kind: RunKind, by: string | null, bag: string | null = null): number {
  return Number(db.prepare("INSERT INTO backup_runs (kind, started_at, state, bag, by_login) VALUES (?, ?, 'running', ?, ?)").run(kind, nowIso(), bag, by).lastInsertRowid);
}

export function finishRun(db: DB, id: number, state: Exclude<RunState, 'running'>, message: string, counts: { files?: number; bytes?: number } = {}): void {
  db.prepare('UPDATE backup_runs SET state = ?, finished_at = ?, message = ?, files = coalesce(?, files), bytes = coalesce(?, bytes) WHERE id = ?')
    .run(state, nowIso(), message, counts.files ?? null, counts.bytes ?? null, id);
}

export function recordResult(db: DB, runId: number, r: { path: string; mediaId: number | null; state: 'ok' | 'failed' | 'damaged' | 'repaired' | 'unrepairable';
  copied?: number; reused?: number; problems?: number; encrypted?: boolean; message: string }): void {
  db.prepare(`INSERT INTO backup_results (run_id, path, media_id, state, copied, reused, problems, encrypted, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (run_id, path) DO UPDATE SET state = excluded.state, problems = excluded.problems, message = excluded.message`)
    .run(runId, r.path, r.mediaId, r.state, r.copied ?? 0, r.reused ?? 0, r.problems ?? 0, r.encrypted ? 1 : 0, r.message);
}

export function logRepair(db: DB, runId: number, r: { copy: string; file: string; problem: 'damaged' | 'missing' | 'unexpected';
  action: 'replaced' | 'removed' | 'unrepairable'; source: string | null; sha256: string | null }): void {
  db.prepare('INSERT INTO repair_log (run_id, at, copy_path, file, problem, action, source_path, sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    .run(runId, nowIso(), r.copy, r.file, r.problem, r.action, r.source, r.sha256);
}

export const MEDIA_KINDS = ['usb', 'hdd', 'nas', 'optical'] as const;
export type MediaKind = (typeof MEDIA_KINDS)[number];
export type Media = {
  id: number; label: string; kind: MediaKind; room: string; path: string; encrypted: boolean;
  lastWrittenAt: string | null; lastVerifiedAt: string | null;
  /** not written for longer than STALE_DAYS (or never) */
  stale: boolean;
  /** never verified, or not for longer than UNVERIFIED_DAYS */
  unverified: boolean;
  /** the folder is there right now (the disk is plugged in) */
  present: boolean;
  /** the latest verification of this medium found damage (until a later one finds it whole) */
  damaged: boolean;
};

export const STALE_DAYS = 7;
export const UNVERIFIED_DAYS = 30;

type MediaRow = { id: number; label: string; kind: MediaKind; room: string; path: string; encrypted: number; last_written_at: string | null; last_verified_at: string | null; damaged: number };

// Damaged: some copy on the medium was found damaged (or unrepairable) by the medium's latest verification run.
const MEDIA_SELECT = `SELECT m.*, EXISTS (SELECT 1 FROM backup_results r WHERE r.media_id = m.id AND r.state IN ('damaged', 'unrepairable')
  AND r.run_id = (SELECT max(r2.run_id) FROM backup_results r2 JOIN backup_runs k ON k.id = r2.run_id WHERE r2.media_id = m.id AND k.kind = 'verify')) AS damaged
  FROM media m`;

const olderThan = (iso: string | null, days: number, now: Date) => !iso || now.getTime() - Date.parse(iso) > days * 86400_000;

function toMedia(r: MediaRow, now = new Date()): Media {
  return {
    id: r.id, label: r.label, kind: r.kind, room: r.room, path: r.path, encrypted: !!r.encrypted,
    lastWrittenAt: r.last_written_at, lastVerifiedAt: r.last_verified_at,
    stale: olderThan(r.last_written_at, STALE_DAYS, now), unverified: olderThan(r.last_verified_at, UNVERIFIED_DAYS, now),
    present: fs.existsSync(r.path), damaged: !!r.damaged,
  };
}

export function listMedia(db: DB, now = new Date()): Media[] {
  return (db.prepare(`${MEDIA_SELECT} ORDER BY m.label`).all() as MediaRow[]).map((r) => toMedia(r, now));
}

export function getMedia(db: DB, id: number): Media {
  const r = db.prepare(`${MEDIA_SELECT} WHERE m.id = ?`).get(id) as MediaRow | undefined;
  if (!r) throw notFound(`Носитель ${id}`);
  return toMedia(r);
}

export function mediaByPath(db: DB, p: string): Media | null {
  const r = db.prepare(`${MEDIA_SELECT} WHERE m.path = ?`).get(path.resolve(p)) as MediaRow | undefined;
  return r ? toMedia(r) : null;
}

export type MediaInput = { label: string; kind: MediaKind; room: string; path: string; encrypted?: boolean };

function checkInput(db: DB, m: MediaInput, id: number | null): MediaInput {
  const label = m.label.trim();
  const room = m.room.trim();
  if (!label) throw fieldError('label', 'Укажите метку носителя (что написано на нём)');
  if (!room) throw fieldError('room', 'Укажите помещение, где хранится носитель');
  if (!path.isAbsolute(m.path)) throw fieldError('path', `Путь к носителю должен быть полным: «${m.path}»`);
  const p = path.resolve(m.path);
  const same = db.prepare('SELECT id, label FROM media WHERE (label = ? OR path = ?) AND id IS NOT ?').get(label, p, id) as { id: number; label: string } | undefined;
  if (same) {
    throw same.label === label ? fieldError('label', `Носитель с меткой «${label}» уже есть`) : fieldError('path', `Путь ${p} уже записан за носителем «${same.label}»`);
  }
  // two registered media in one room defeat the purpose; said, not refused (a school may have one room for now)
  return { ...m, label, room, path: p };
}

export function addMedia(db: DB, m: MediaInput): Media {
  const v = checkInput(db, m, null);
  const id = db.prepare('INSERT INTO media (label, kind, room, path, encrypted, created_at) VALUES (?, ?, ?, ?, ?, ?)')
    .run(v.label, v.kind, v.room, v.path, v.encrypted ? 1 : 0, nowIso()).lastInsertRowid;
  return getMedia(db, Number(id));
}

export function updateMedia(db: DB, id: number, m: MediaInput): Media {
  getMedia(db, id);
  const v = checkInput(db, m, id);
  db.prepare('UPDATE media SET label = ?, kind = ?, room = ?, path = ?, encrypted = ? WHERE id = ?').run(v.label, v.kind, v.room, v.path, v.encrypted ? 1 : 0, id);
  return getMedia(db, id);
}

export function markVerified(db: DB, p: string): void {
  db.prepare('UPDATE media SET last_verified_at = ? WHERE path = ?').run(nowIso(), path.resolve(p));
}

export type RunRow = {
  id: number; kind: RunKind; startedAt: string; finishedAt: string | null; state: RunState; bag: string | null; by: string | null;
  message: string | null; files: number | null; bytes: number | null;
  results: Array<{ path: string; mediaId: number | null; state: string; copied: number; reused: number; problems: number; encrypted: boolean; message: string | null }>;
  repairs: Array<{ at: string; copy: string; file: string; problem: string; action: string; source: string | null }>;
};

export function listRuns(db: DB, limit = 50): RunRow[] {
  const runs = db.prepare('SELECT * FROM backup_runs ORDER BY id DESC LIMIT ?').all(limit) as Array<{ id: number; kind: RunKind; started_at: string; finished_at: string | null;
    state: RunState; bag: string | null; by_login: string | null; message: string | null; files: number | null; bytes: number | null }>;
  const results = db.prepare('SELECT * FROM backup_results WHERE run_id = ? ORDER BY path');
  const repairs = db.prepare('SELECT * FROM repair_log WHERE run_id = ? ORDER BY id');
  return runs.map((r) => ({
    id: r.id, kind: r.kind, startedAt: r.started_at, finishedAt: r.finished_at, state: r.state, bag: r.bag, by: r.by_login, message: r.message,
    files: r.files, bytes: r.bytes,
    results: (results.all(r.id) as Array<{ path: string; media_id: number | null; state: string; copied: number; reused: number; problems: number; encrypted: number; message: string | null }>)
      .map((x) => ({ path: x.path, mediaId: x.media_id, state: x.state, copied: x.copied, reused: x.reused, problems: x.problems, encrypted: !!x.encrypted, message: x.message })),
    repairs: (repairs.all(r.id) as Array<{ at: string; copy_path: string; file: string; problem: string; action: string; source_path: string | null }>)
      .map((x) => ({ at: x.at, copy: x.copy_path, file: x.file, problem: x.problem, action: x.action, source: x.source_path })),
  }));
}

