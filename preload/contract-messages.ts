// What a refused field says when its schema gives no words of its own: Russian, for the clerk, never zod's English
// («Too small: expected string to have >=1 characters»). Installed once, where the contract is defined, so every
// parse of a contract schema — dispatch's validation of every form's request, the renderer's checks — speaks it.
// A schema's own message (`.min(1, 'Укажите логин')`) still wins: zod asks this map only when there is none.
import { z } from 'zod';
import { plural } from './core/plural.ts';

const chars = (n: number) => `${n} ${plural(n, 'символа', 'символов', 'символов')}`;
const TYPES: Record<string, string> = {
  string: 'текст', number: 'число', int: 'целое число', boolean: 'да или нет', array: 'список', object: 'набор полей',
  date: 'дата', bigint: 'целое число', null: 'пустое значение', undefined: 'пустое значение',
};

type Issue = z.core.$ZodRawIssue;

/** The Russian words for one issue (the kinds zod raises for the contract's schemas); never undefined. */
export function russianIssue(issue: Issue): string {
  const i = issue as Record<string, unknown> & { code?: string; input?: unknown };
  switch (i.code) {
    case 'invalid_type':
      if (i.input === undefined || i.input === null) return 'Заполните поле';
      return `Ожидается ${TYPES[String(i.expected)] ?? 'другое значение'}`;
    case 'too_small': {
      const n = Number(i.minimum);
      if (i.origin === 'string') return n <= 1 ? 'Заполните поле' : `Не короче ${chars(n)}`;
      if (i.origin === 'array' || i.origin === 'set') return n <= 1 ? 'Выберите хотя бы одно значение' : `Не меньше ${n} значений`;
      return i.inclusive === false ? `Должно быть больше ${n}` : `Не меньше ${n}`;
    }
    case 'too_big': {
      const n = Number(i.maximum);
      if (i.origin === 'string') return `Не длиннее ${chars(n)}`;
      if (i.origin === 'array' || i.origin === 'set') return `Не больше ${n} значений`;
      return i.inclusive === false ? `Должно быть меньше ${n}` : `Не больше ${n}`;
    }
    case 'invalid_format': return 'Неверный формат';
    case 'not_multiple_of': return `Должно быть кратно ${String(i.divisor)}`;
    case 'invalid_value': return 'Недопустимое значение: выберите из списка';
    case 'unrecognized_keys': return `Неизвестные поля: ${(i.keys as string[] | undefined)?.join(', ') ?? ''}`;
    case 'invalid_union': case 'invalid_key': case 'invalid_element': return 'Недопустимое значение';
    default: return 'Неверное значение';
  }
}

z.config({ customError: (issue) => russianIssue(issue) });
