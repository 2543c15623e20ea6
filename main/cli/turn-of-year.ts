// The turn of the year from the command line (issue 20): «orders cancel» — an order of cancellation that names the
// order it cancels; «years next» — the next year's plan (--dry-run) or the year opened as planned. Each is flags → a
// contract method through dispatch (local-call.ts, with the administrator's rights) → print.
import type { DB } from '../../db/connection.ts';
import { formatDate, isValidIsoDate } from '../../preload/core/dates.ts';
import { localCaller } from './local-call.ts';
import { UsageError } from './usage.ts';

export const TURN_OF_YEAR_COMMANDS = new Set(['orders cancel', 'years next']);

type Io = { out: (s: string) => void; err: (s: string) => void };
type F = Record<string, unknown>;

function need(f: F, name: string): string {
  const v = f[name];
  if (typeof v !== 'string' || !v.trim()) throw new UsageError(`не указан параметр --${name}`);
  return v.trim();
}

function date(f: F, name: string): string {
  const v = need(f, name);
  const m = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(v);
  const iso = m ? `${m[3]}-${m[2]}-${m[1]}` : v;
  if (!isValidIsoDate(iso)) throw new UsageError(`--${name}: неверная дата «${v}» (нужно ДД.ММ.ГГГГ)`);
  return iso;
}

function count(f: F, name: string): number | undefined {
  const v = f[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < 0) throw new UsageError(`--${name}: целое число не меньше 0`);
  return n;
}

export async function runTurnOfYearCommand(cmd: string, f: F, db: DB, io: Io, json: boolean): Promise<number> {
  const { call } = localCaller(db);
  const print = (value: unknown, text: () => string) => io.out(json ? JSON.stringify(value, null, 2) : text());
  if (cmd === 'orders cancel') {
    const r = await call('orders.cancel', {
      order: { number: need(f, 'order'), date: date(f, 'order-date'), ...(f['future-order'] ? { confirmFuture: true } : {}) },
      cancels: { number: need(f, 'cancels'), date: date(f, 'cancels-date') }, ...(f.cascade ? { cascade: true } : {}),
    });
    print(r, () => [`Записан приказ № ${r.order.number} от ${formatDate(r.order.date)}: ${r.order.title}`,
      ...[...r.cancelled, ...r.cascaded].map((m) => `  отменено: ${m.studentName} — ${m.fromClass ?? '—'} → ${m.toClass ?? '—'}, ${formatDate(m.date)}` +
        ` (приказ № ${m.orderNumber} от ${formatDate(m.orderDate)})`)].join('\n'));
    return 0;
  }
  // years next
  const years = await call('years.list', {});
  const fromName = need(f, 'from');
  const from = years.find((y) => y.name === fromName);
  if (!from) throw new UsageError(`учебный год ${fromName} не найден (см. years list)`);
  const args = { fromYearId: from.id, firstGradeClasses: count(f, 'first-classes') ?? 0, firstGradePupils: count(f, 'first-pupils') ?? null };
  if (f['dry-run']) {
    const p = await call('years.nextPreview', args);
    print(p, () => [`План ${p.yearName} учебного года (из ${p.fromYear})${p.graduating.length ? `; выпускаются: ${p.graduating.join(', ')}` : ''}:`,
      ...p.classes.map((k) => `  ${k.name}${k.fromClass ? ` (из ${k.fromClass})` : ''}${k.action === 'keep' ? ' [уже есть, без изменений]' : k.action === 'update' ? ` [уже есть; ${k.changes.join('; ')}]` : ''}: ${k.homeroomTeacher ?? 'классный руководитель не назначен'}, смена ${k.shift}; ` +
        `${k.subjects.join(', ') || 'учебного плана нет'}${k.notes.length ? ` — ${k.notes.join('; ')}` : ''}`)].join('\n'));
    return 0;
  }
  const r = await call('years.openNext', args);
  print(r, () => `Открыт ${r.year.name} учебный год: классов — ${r.classes.length} (${r.classes.map((c) => c.name).join(', ')}), ` +
    `предметов в учебных планах — ${r.curriculumRows}` + (r.updated.length ? `; дополнены классы, что уже были: ${r.updated.map((c) => c.name).join(', ')}` : ''));
  return 0;
}
