import type { Student } from '../../../../preload/contract';
import { t } from '../../strings';
import { Badge } from '../../ui/common';

export function StatusBadge({ status }: { status: Student['status'] }) {
  const kind = status === 'studying' ? 'ok' : status === 'departed' ? 'muted' : 'info';
  return <Badge kind={kind}>{t.students.status[status]}</Badge>;
}
