// The class × subjects sheet of one period's marks (the сводная ведомость on screen): a row per student, a column per
// subject of the curriculum, the period chosen above; the class's list, its ledger and the ledger in Excel one click
// away. Drawn from the ledger's data (ledgers.get) and saved through the ledger's Excel export (ledgers.print).
import { useState } from 'react';
import { ApiFailure, asFailure, call } from '../../api';
import { useCan } from '../../app/user';
import { Link } from '../../router';
import { t } from '../../strings';
import { ErrorBox, Loaded, PageHeader } from '../../ui/common';
import { SelectField } from '../../ui/form';
import { saveFile } from '../../ui/files';
import { useQuery } from '../../ui/useQuery';

const tx = t.classSheet;

export function ClassSheet({ classId }: { classId: number }) {
  const ledger = useQuery('ledgers.get', { classId });
  const canPrint = useCan('ledgers.print');
  const [column, setColumn] = useState<string>('');
  const [saving, setSaving] = useState(false);
  const [failure, setFailure] = useState<ApiFailure | null>(null);
  const excel = async () => {
    setSaving(true);
    setFailure(null);
    try {
      const r = await call('ledgers.print', { classId, format: 'xlsx' });
      saveFile(r.fileName, r.dataBase64);
    } catch (e) {
      setFailure(asFailure(e));
    } finally {
      setSaving(false);
    }
  };
  return (
    <Loaded query={ledger}>
      {(l) => {
        const d = l.data;
        const options = [...d.periods.map((p) => ({ value: p.key, label: p.label })), { value: 'annual', label: tx.annual }, { value: 'final', label: tx.final }];
        // the period under way: the last period with any mark, else the first
        const lastMarked = [...d.periods].reverse().find((p) => d.students.some((s) => Object.values(s.marks).some((m) => m.periods[p.key] != null)));
        const col = column || lastMarked?.key || options[0].value;
        const label = options.find((o) => o.value === col)?.label ?? '';
        const markOf = (m: (typeof d.students)[number]['marks'][string] | undefined) =>
          !m ? null : col === 'annual' ? m.annual : col === 'final' ? m.final : m.periods[col] ?? null;
        const inClass = d.students.filter((s) => !s.left);
        return (
          <article data-testid="class-sheet-page">
            <PageHeader title={tx.title(d.class.name)} back={<Link to={`/classes/${classId}`}>{tx.back}</Link>} />
            <div className="sheet-links" data-testid="class-sheet-links">
              <Link to={`/classes/${classId}`}>{tx.students}</Link>
              <Link to={`/ledgers/${classId}`}>{tx.ledger}</Link>
              {canPrint && <button type="button" onClick={excel} disabled={saving} data-testid="class-sheet-excel">{saving ? tx.saving : tx.excel}</button>}
            </div>
            {failure && <ErrorBox failure={failure} />}
            <div className="toolbar">
              <SelectField name="period" label={tx.period} value={col} onChange={setColumn} options={options} />
            </div>
            {d.students.length === 0 ? <p className="notice notice-info">{tx.noStudents}</p>
              : d.subjects.length === 0 ? <p className="notice notice-info">{tx.noSubjects}</p> : (
                <div className="scroll-x">
                  <table className="grid class-sheet" data-testid="class-sheet" aria-label={tx.caption(d.class.name, label)}>
                    <caption className="visually-hidden">{tx.caption(d.class.name, label)}</caption>
                    <thead>
                      <tr>
                        <th scope="col" className="num">{tx.colN}</th>
                        <th scope="col">{tx.colName}</th>
                        {d.subjects.map((s) => <th scope="col" key={s.name} title={s.name}>{s.shortName || s.name}</th>)}
                      </tr>
                    </thead>
                    <tbody>
                      {d.students.map((s) => (
                        <tr key={s.id} className={s.left ? 'left' : undefined} data-testid="class-sheet-row">
                          <td className="num">{s.n}</td>
                          <th scope="row">{s.fullName}{s.left ? <span className="muted small"> · {tx.left}</span> : null}</th>
                          {d.subjects.map((sub) => {
                            const m = markOf(s.marks[sub.name]);
                            return <td key={sub.name} className="mark">{m ?? (s.left ? '' : <span className="muted" aria-label={tx.empty}>·</span>)}</td>;
                          })}
                        </tr>
                      ))}
                    </tbody>
                    <tfoot>
                      <tr>
                        <td />
                        <th scope="row">{tx.columnFilled}</th>
                        {d.subjects.map((sub) => (
                          <td key={sub.name} className="mark small">{tx.filled(inClass.filter((s) => markOf(s.marks[sub.name]) != null).length, inClass.length)}</td>
                        ))}
                      </tr>
                    </tfoot>
                  </table>
                </div>
              )}
          </article>
        );
      }}
    </Loaded>
  );
}
