// The class's results by subject: успеваемость and качество of the final (annual) marks as horizontal bars.
// Plain SVG: one bar pair per subject, the value printed beside each bar (colour is never the only clue), a <title>
// on every bar for the mouse, and the whole picture described in words for screen readers.
import { useId } from 'react';
import type { LedgerDataT } from '../../../../preload/contract';
import { percent, t } from '../../strings';

const LABEL_W = 220;
const BAR_W = 420;
const VALUE_W = 56;
const ROW_H = 34;
const BAR_H = 12;
const TOP = 24;
const TICKS = [0, 25, 50, 75, 100];

/** A subject's name as it fits the label column; the full name stays in the bar's title. */
const fit = (name: string, short: string) => (name.length <= 26 ? name : short);

export function ResultsChart({ data }: { data: LedgerDataT }) {
  const tx = t.ledgers;
  const id = useId();
  const rows = data.subjects.map((s) => ({ name: s.name, label: fit(s.name, s.shortName), progress: data.stats[s.name]?.progress ?? null, quality: data.stats[s.name]?.quality ?? null }));
  const height = TOP + rows.length * ROW_H + 8;
  const width = LABEL_W + BAR_W + VALUE_W;
  const x = (v: number) => LABEL_W + (BAR_W * Math.max(0, Math.min(100, v))) / 100;
  const series = [
    { key: 'progress' as const, label: tx.chartProgress, className: 'bar-progress', dy: 4 },
    { key: 'quality' as const, label: tx.chartQuality, className: 'bar-quality', dy: 4 + BAR_H + 2 },
  ];
  const description = rows.map((r) => tx.chartRow(r.name, r.progress, r.quality)).join('; ');

  return (
    <figure className="chart" data-testid="ledger-chart">
      <figcaption>
        <h2 id={`${id}-title`}>{tx.chartTitle}</h2>
        <ul className="chart-legend" aria-hidden="true">
          {series.map((s) => <li key={s.key}><svg width="12" height="12"><rect width="12" height="12" className={s.className} /></svg> {s.label}</li>)}
        </ul>
      </figcaption>
      <svg role="img" aria-labelledby={`${id}-title ${id}-desc`} viewBox={`0 0 ${width} ${height}`} width={width} height={height} className="chart-svg">
        <title>{tx.chartTitle}</title>
        <desc id={`${id}-desc`}>{`${tx.chartDesc(data.class.name)}. ${description}`}</desc>
        {TICKS.map((v) => (
          <g key={v}>
            <line x1={x(v)} x2={x(v)} y1={TOP - 6} y2={height - 8} className="chart-grid" />
            <text x={x(v)} y={TOP - 10} textAnchor="middle" className="chart-tick">{v}%</text>
          </g>
        ))}
        {rows.map((r, i) => {
          const y = TOP + i * ROW_H;
          return (
            <g key={r.name} data-subject={r.name}>
              <text x={LABEL_W - 8} y={y + ROW_H / 2 + 4} textAnchor="end" className="chart-label">
                <title>{r.name}</title>
                {r.label}
              </text>
              {series.map((s) => {
                const v = r[s.key];
                const label = tx.chartBar(r.name, s.label, v);
                return (
                  <g key={s.key} data-series={s.key}>
                    <rect x={LABEL_W} y={y + s.dy} width={v === null ? 0 : x(v) - LABEL_W} height={BAR_H} className={s.className}>
                      <title>{label}</title>
                    </rect>
                    <text x={(v === null ? LABEL_W : x(v)) + 4} y={y + s.dy + BAR_H - 2} className="chart-value">
                      {v === null ? tx.chartNoData : `${percent(v)}%`}
                    </text>
                  </g>
                );
              })}
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
