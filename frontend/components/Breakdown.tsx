import type { Bucket } from '@/lib/api';
import { formatCount, formatShare } from '@/lib/logic.mjs';

export default function Breakdown({ title, rows, render, empty = 'No clicks yet.' }: {
  title: string; rows: Bucket[] | undefined; render?: (key: string, row: Bucket) => React.ReactNode; empty?: string;
}) {
  const list = rows ?? [];
  const total = list.reduce((a, r) => a + r.clicks, 0);
  const id = `bd-${title.toLowerCase().replace(/\W+/g, '-')}`;
  return (
    <section className="card" aria-labelledby={id} data-breakdown={title}>
      <h2 id={id}>{title}</h2>
      {list.length === 0 ? <p className="muted">{empty}</p> : (
        <table>
          <thead><tr><th scope="col">{title}</th><th scope="col" className="num">Clicks</th></tr></thead>
          <tbody>
            {list.map((r) => (
              <tr key={`${r.key}\u0000${r.class ?? ''}`}>
                <td className="bar">
                  <span className="fill" style={{ width: formatShare(r.clicks, total) }} aria-hidden="true" />
                  <span className="text">{render ? render(r.key, r) : r.key || 'Unknown'}</span>
                </td>
                <td className="num">{formatCount(r.clicks)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
