// The алфавитная книга.
import { defineHandlers, query } from '../shared/handler.ts';
import { listBook } from './book.ts';

export const alphabetBookHandlers = defineHandlers({
  'alphabetBook.list': query(({ db }, a) => listBook(db, a)),
});
