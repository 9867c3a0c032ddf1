import type { Destination } from '@/lib/api';
import { formatCount, formatShare } from '@/lib/logic.mjs';

/** "rule:2" → "Rule 3", "variant:0" → "Variant 1" (the API counts from 0, people from 1). */
export function routeLabel(route: string): string {
  const m = /^(rule|variant):(\d+)$/.exec(route);
  if (m) return `${m[1] === 'rule' ? 'Rule' : 'Variant'} ${Number(m[2]) + 1}`;
  if (route === 'targeting') return 'Targeting';
  return 'Default URL';
}

/** Where a link with rules or an A/B split sent its visitors (issue #17): variants side by side. */
export default function Destinations({ rows }: { rows: Destination[] | undefined }) {
  const list = [...(rows ?? [])].sort((a, b) => a.route.localeCompare(b.route, 'en', { numeric: true }));
  if (list.length === 0) return null;
  const total = list.reduce((a, r) => a + r.clicks, 0);
  return (
    <section className="card wide" aria-labelledby="bd-destinations" data-breakdown="Destinations">
      <h2 id="bd-destinations">Destinations</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Chosen by</th><th scope="col">URL</th>
            <th scope="col" className="num">Clicks</th><th scope="col" className="num">Unique visitors</th>
          </tr>
        </thead>
        <tbody>
          {list.map((r) => (
            <tr key={`${r.route}\u0000${r.key}`}>
              <th scope="row">{routeLabel(r.route)}</th>
              <td className="bar">
                <span className="fill" style={{ width: formatShare(r.clicks, total) }} aria-hidden="true" />
                <span className="text">{r.key}</span>
              </td>
              <td className="num">{formatCount(r.clicks)}</td>
              <td className="num">{formatCount(r.unique_visitors)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
