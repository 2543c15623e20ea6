// Every packet is checked against its JSON Schema (main/packets/packet.schema.json) before it is stored and again
// before it is signed: a packet the receiver would refuse never gets a signature. The error names the bad field by its
// JSON pointer (RFC 6901) and, for a student, whom it concerns.
import Ajv2020Import from 'ajv/dist/2020.js';
import addFormatsImport from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';
import schema from './packet.schema.json' with { type: 'json' };
import { AppError } from '../shared/errors.ts';

// ajv ships CommonJS: under ESM its default export arrives wrapped once more.
const Ajv2020 = ((Ajv2020Import as unknown as { default?: unknown }).default ?? Ajv2020Import) as typeof Ajv2020Import.default;
const addFormats = ((addFormatsImport as unknown as { default?: unknown }).default ?? addFormatsImport) as typeof addFormatsImport.default;

export const PACKET_SCHEMA = schema;

let compiled: ValidateFunction | null = null;
function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false });
    addFormats(ajv);
    compiled = ajv.compile(schema);
  }
  return compiled!;
}

export type SchemaProblem = { pointer: string; message: string };

const RU: Record<string, (e: ErrorObject) => string> = {
  required: (e) => `нет обязательного поля «${(e.params as { missingProperty: string }).missingProperty}»`,
  type: (e) => `неверный тип: ожидается ${(e.params as { type: string }).type}`,
  pattern: () => 'значение не в нужном формате',
  format: (e) => `неверный формат (${(e.params as { format: string }).format})`,
  enum: (e) => `значение не из списка: ${((e.params as { allowedValues: unknown[] }).allowedValues).join(', ')}`,
  const: (e) => `должно быть ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`,
  minimum: (e) => `меньше допустимого (${(e.params as { limit: number }).limit})`,
  maximum: (e) => `больше допустимого (${(e.params as { limit: number }).limit})`,
  minLength: () => 'пустое значение',
  maxLength: (e) => `длиннее ${(e.params as { limit: number }).limit} символов`,
  additionalProperties: (e) => `лишнее поле «${(e.params as { additionalProperty: string }).additionalProperty}»`,
};

/** The schema's complaints, most specific first (oneOf/if wrappers say less than the branch that failed). */
export function schemaProblems(packet: unknown): SchemaProblem[] {
  const v = validator();
  if (v(packet)) return [];
  const errors = (v.errors ?? []).filter((e) => !['oneOf', 'if', 'anyOf'].includes(e.keyword));
  const seen = new Set<string>();
  const out: SchemaProblem[] = [];
  for (const e of errors.length ? errors : v.errors ?? []) {
    const pointer = e.keyword === 'required' ? `${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}` : e.instancePath || '/';
    const message = (RU[e.keyword] ?? ((x: ErrorObject) => x.message ?? x.keyword))(e);
    const key = `${pointer} ${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ pointer, message });
  }
  // a null where an object is required also fails the "null" branch of oneOf: keep the object's complaint first
  out.sort((a, b) => Number(/ожидается null/.test(a.message)) - Number(/ожидается null/.test(b.message)));
  return out;
}

/** Throws a validation AppError naming the first bad field by its JSON pointer (and the student it concerns). */
export function assertValidPacket(packet: unknown, where = 'Пакет'): void {
  const problems = schemaProblems(packet);
  if (!problems.length) return;
  const first = problems[0];
  const who = studentAt(packet, first.pointer);
  const message = `${where} не соответствует схеме packet@1: ${first.pointer} — ${first.message}${who ? ` (${who})` : ''}` +
    (problems.length > 1 ? `; ещё замечаний: ${problems.length - 1}` : '') + '. Пакет не подписан.';
  throw new AppError('validation', message, { packet: message, pointer: first.pointer });
}

type Named = { id?: string; lastName?: string; firstName?: string; birthDate?: string };

/** Whom the bad field concerns: the student at /students/N, or the student of a record in another list (an attestat, an exam…). */
function studentAt(packet: unknown, pointer: string): string | null {
  const p = packet as { students?: Named[] } & Record<string, unknown>;
  const name = (s: Named) => `ученик ${s.lastName ?? ''} ${s.firstName ?? ''}, дата рождения ${s.birthDate ?? '?'}`.replace(/\s+/g, ' ');
  const m = /^\/students\/(\d+)/.exec(pointer);
  if (m) {
    const s = p.students?.[Number(m[1])];
    return s ? name(s) : null;
  }
  const r = /^\/(events|stateExams|attestats|portfolio)\/(\d+)/.exec(pointer);
  const list = r ? p[r[1]] : null;
  const studentId = Array.isArray(list) ? (list[Number(r![2])] as { studentId?: unknown } | undefined)?.studentId : undefined;
  if (typeof studentId !== 'string') return null;
  const s = Array.isArray(p.students) ? p.students.find((x) => x?.id === studentId) : undefined;
  // a delta need not carry the student's card: then the internal ID names them
  return s ? name(s) : `ученик ${studentId}`;
}
