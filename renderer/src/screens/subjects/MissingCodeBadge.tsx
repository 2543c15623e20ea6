import type { Subject } from '../../../../preload/contract';
import { t } from '../../strings';
import { Badge } from '../../ui/common';

/** «нет кода» when a subject lacks its city-register ID or federal code: exports need both. */
export function MissingCodeBadge({ subject }: { subject: Subject }) {
  if (subject.missingCodes.length === 0) return null;
  const which = subject.missingCodes.map((c) => (c === 'federalCode' ? t.subjects.federalCode : t.subjects.cityRegisterId).toLowerCase()).join(', ');
  return <Badge kind="warn" title={t.subjects.noCodeTitle(which)}><span aria-hidden="true">⚠ </span>{t.subjects.noCode}<span className="visually-hidden">: {which}</span></Badge>;
}
