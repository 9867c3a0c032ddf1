'use client';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import dynamic from 'next/dynamic';
import Link from 'next/link';
import { api, ApiError, type Link as ShortLink, type Stats } from '@/lib/api';
import countryNames from '@/lib/country-names.json';
import {
  countryFlag, defaultInterval, feedEntries, formatCount, formatDate, intervalsFor, liveTransition, statsQuery,
  type FeedEntry, type LiveState,
} from '@/lib/logic.mjs';
import Breakdown from './Breakdown';
import CopyButton from './CopyButton';

const Chart = dynamic(() => import('./Chart'), { ssr: false, loading: () => <div className="chart muted">Loading chart…</div> });
const WorldMap = dynamic(() => import('./WorldMap'), { ssr: false, loading: () => <p className="muted">Loading map…</p> });

const RANGES = [
  { days: 1, label: 'Last 24 hours' },
  { days: 7, label: 'Last 7 days' },
  { days: 30, label: 'Last 30 days' },
  { days: 90, label: 'Last 90 days' },
  { days: 365, label: 'Last 12 months' },
];
const SOURCE_NAMES: Record<string, string> = {
  direct: 'Direct', search: 'Search', social: 'Social', email: 'Email', internal: 'Internal', other: 'Other website', '': 'Unknown',
};
const names = countryNames as Record<string, string>;
const country = (code: string) => (code ? `${countryFlag(code)} ${names[code] ?? code}` : 'Unknown');

function zones(): string[] {
  const here = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  let all: string[] = [];
  try { all = (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone'); } catch { /* old browser */ }
  return Array.from(new Set([here, 'UTC', ...all]));
}

type Live = { clicks: number; human_clicks: number; bot_clicks: number; unique_visitors: number };

export default function Dashboard({ slug, initialRange = 7 }: { slug: string; initialRange?: number }) {
  const [link, setLink] = useState<ShortLink | null>(null);
  const [linkError, setLinkError] = useState<string | null>(null);
  const [rangeDays, setRangeDays] = useState(initialRange);
  const [interval, setInterval_] = useState(() => defaultInterval(initialRange));
  // Rendered only in the browser (useSearchParams bails the page out of prerendering), so the zone is known.
  const [tzList] = useState<string[]>(zones);
  const [tz, setTz] = useState(() => tzList[0]);
  const [bots, setBots] = useState(false);
  const [stats, setStats] = useState<Stats | null>(null);
  const [statsError, setStatsError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [live, setLive] = useState<Live | null>(null);
  const [liveState, setLiveState] = useState<LiveState>('connecting');
  const [feed, setFeed] = useState<FeedEntry[]>([]);
  const refreshTimer = useRef<ReturnType<typeof setTimeout>>();
  const [tick, setTick] = useState(0);

  useEffect(() => {
    api<ShortLink>(`/api/v1/links/${encodeURIComponent(slug)}`).then(setLink)
      .catch((e) => setLinkError(e instanceof ApiError ? e.message : 'Could not load this link.'));
  }, [slug]);

  const loadStats = useCallback(async () => {
    setStatsError(null);
    try {
      const q = statsQuery({ rangeDays, interval, tz, bots });
      setStats(await api<Stats>(`/api/v1/links/${encodeURIComponent(slug)}/stats?${q}`));
    } catch (e) {
      setStatsError(e instanceof ApiError ? e.message : 'Could not load the statistics.');
    } finally {
      setLoading(false);
    }
  }, [slug, rangeDays, interval, tz, bots]);

  useEffect(() => { loadStats(); }, [loadStats, tick]);

  // Live stream: EventSource retries by itself while the server answers `retry:`; if the browser gives up
  // (readyState CLOSED) or the server drops us as too slow, reconnect with backoff.
  useEffect(() => {
    let es: EventSource | null = null;
    let attempt = 0;
    let state: LiveState = 'connecting';
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const move = (event: 'open' | 'error' | 'dropped' | 'close') => {
      const next = liveTransition(state, event, attempt);
      state = next.state;
      attempt = next.attempt;
      setLiveState(state);
      return next;
    };
    const connect = () => {
      if (stopped) return;
      es = new EventSource(`/api/v1/links/${encodeURIComponent(slug)}/live`);
      es.onopen = () => move('open');
      es.addEventListener('snapshot', (ev) => {
        try { setLive(JSON.parse((ev as MessageEvent).data).totals); } catch { /* ignore */ }
      });
      es.addEventListener('clicks', (ev) => {
        try {
          const data = JSON.parse((ev as MessageEvent).data);
          setLive(data.totals);
          const entries = feedEntries(data);
          setFeed((f) => [...entries.reverse(), ...f].slice(0, 50));
          clearTimeout(refreshTimer.current);
          refreshTimer.current = setTimeout(() => setTick((t) => t + 1), 1500);
        } catch { /* ignore a malformed event */ }
      });
      es.addEventListener('dropped', () => {
        es?.close();
        const next = move('dropped');
        timer = setTimeout(connect, next.retryMs ?? 1000);
      });
      es.onerror = () => {
        const next = move('error');
        if (es && es.readyState === EventSource.CLOSED) timer = setTimeout(connect, next.retryMs ?? 1000);
      };
    };
    connect();
    return () => { stopped = true; clearTimeout(timer); es?.close(); clearTimeout(refreshTimer.current); };
  }, [slug]);

  const intervals = useMemo(() => intervalsFor(rangeDays), [rangeDays]);
  const countryCounts = useMemo(
    () => Object.fromEntries((stats?.countries ?? []).map((c) => [c.key, c.clicks])), [stats]);
  const liveCount = live ? (bots ? live.clicks : live.human_clicks) : null;

  if (linkError) {
    return (<><h1>Link dashboard</h1><p className="error" role="alert">{linkError}</p><p><Link href="/app/links/">Back to your links</Link></p></>);
  }

  const exportHref = `/api/v1/links/${encodeURIComponent(slug)}/clicks?format=csv&${new URLSearchParams({ from: new Date(Date.now() - rangeDays * 86400000).toISOString(), to: new Date().toISOString() })}`;

  return (
    <>
      <h1>Dashboard: <span data-testid="slug">{slug}</span></h1>
      {link ? (
        <p className="row">
          <a href={link.short_url}>{link.short_url}</a> <CopyButton text={link.short_url} label="Copy" />
          <span className="muted long">→ {link.long_url}</span>
          <span className="muted">Created {formatDate(link.created_at)}</span>
        </p>
      ) : <p className="muted">Loading link…</p>}

      <form className="row card" aria-label="Dashboard options" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="range">Range</label>
          <select id="range" value={rangeDays} onChange={(e) => { const d = Number(e.target.value); setRangeDays(d); setInterval_(defaultInterval(d)); }}>
            {RANGES.map((r) => <option key={r.days} value={r.days}>{r.label}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="interval">Interval</label>
          <select id="interval" value={interval} onChange={(e) => setInterval_(e.target.value)}>
            {intervals.map((i) => <option key={i} value={i}>{i[0].toUpperCase() + i.slice(1)}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="tz">Time zone</label>
          <select id="tz" value={tz} onChange={(e) => setTz(e.target.value)}>
            {tzList.map((z) => <option key={z} value={z}>{z}</option>)}
          </select>
        </div>
        <label className="row" style={{ alignItems: 'center', minHeight: '2.5rem' }}>
          <input type="checkbox" checked={bots} onChange={(e) => setBots(e.target.checked)} /> Include bots
        </label>
        <a className="button secondary" href={exportHref} download>Export CSV</a>
      </form>

      <div className="kpis" style={{ margin: '1rem 0' }}>
        <section className="card kpi" aria-labelledby="kpi-live">
          <h2 id="kpi-live">All-time clicks</h2>
          <div className="value" data-testid="live-count" aria-live="polite">{liveCount == null ? '—' : formatCount(liveCount)}</div>
          <span className="status" data-testid="live-state">
            <span className={`dot ${liveState}`} aria-hidden="true" />
            {liveState === 'live' ? 'Live' : liveState === 'reconnecting' ? 'Reconnecting…' : liveState === 'closed' ? 'Disconnected' : 'Connecting…'}
          </span>
        </section>
        <section className="card kpi" aria-labelledby="kpi-range">
          <h2 id="kpi-range">Clicks in range</h2>
          <div className="value" data-testid="range-count">{stats ? formatCount(stats.totals.clicks) : '—'}</div>
        </section>
        <section className="card kpi" aria-labelledby="kpi-uniq">
          <h2 id="kpi-uniq">Unique visitors</h2>
          <div className="value">{stats ? formatCount(stats.totals.unique_visitors) : '—'}</div>
        </section>
      </div>

      {statsError && <p className="error" role="alert">{statsError} <button type="button" className="secondary" onClick={loadStats}>Retry</button></p>}

      <div className="grid">
        <section className="card" aria-labelledby="feed-h" style={{ gridColumn: '1 / -1' }}>
          <h2 id="feed-h">Latest clicks</h2>
          {feed.length === 0 ? <p className="muted">Waiting for clicks… New clicks appear here as they happen.</p> : (
            <ul className="feed" data-testid="feed">
              {feed.map((f) => (
                <li key={f.id}>
                  <time dateTime={new Date(f.at).toISOString()} className="muted">{new Date(f.at).toLocaleTimeString()}</time>
                  <span>{f.country ? `${countryFlag(f.country)} ${names[f.country] ?? f.country}` : 'Unknown place'}{f.city ? `, ${f.city}` : ''}</span>
                  <span>{f.browser || 'Unknown browser'}{f.os ? ` on ${f.os}` : ''}</span>
                  <span className="muted">{f.device || 'unknown device'}</span>
                  <span className="muted">{f.referrer ? `from ${f.referrer}` : 'direct'}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section className="card" aria-labelledby="chart-h" style={{ gridColumn: '1 / -1' }}>
          <h2 id="chart-h">Clicks over time</h2>
          {loading && !stats ? <p className="muted">Loading…</p> : stats && stats.timeseries.length > 0 ? (
            <Chart points={stats.timeseries} interval={stats.interval} />
          ) : <p className="muted">No data for this range.</p>}
        </section>
        <section className="card" aria-labelledby="map-h" style={{ gridColumn: '1 / -1' }}>
          <h2 id="map-h">Clicks by country</h2>
          <WorldMap counts={countryCounts} />
        </section>
        <Breakdown title="Countries" rows={stats?.countries} render={country} />
        <Breakdown title="Cities" rows={stats?.cities} render={(k) => {
          const slash = k.indexOf('/');
          return slash > 0 ? `${countryFlag(k.slice(0, slash))} ${k.slice(slash + 1)}` : k || 'Unknown';
        }} />
        <Breakdown title="Referrers" rows={stats?.referrers}
          render={(k, r) => <>{k || 'Direct / none'}{r.class ? <span className="muted"> · {SOURCE_NAMES[r.class] ?? r.class}</span> : null}</>} />
        <Breakdown title="Sources" rows={stats?.sources} render={(k) => SOURCE_NAMES[k] ?? k} />
        <Breakdown title="Browsers" rows={stats?.browsers} />
        <Breakdown title="Operating systems" rows={stats?.os} />
        <Breakdown title="Devices" rows={stats?.devices} />
        <Breakdown title="Languages" rows={stats?.languages} />
      </div>
    </>
  );
}
