// Students' portfolio entries.
import { defineHandlers, command, query } from '../shared/handler.ts';
import { addPortfolioEntry, listPortfolio, removePortfolioEntry, updatePortfolioEntry } from './portfolio.ts';

export const portfolioHandlers = defineHandlers({
  'portfolio.list': query(({ db }, a) => listPortfolio(db, a.studentId)),
  'portfolio.add': command(({ db }, a) => addPortfolioEntry(db, a)),
  'portfolio.update': command(({ db }, a) => updatePortfolioEntry(db, a.id, a.data)),
  'portfolio.remove': command(({ db }, a) => removePortfolioEntry(db, a.id)),
});
