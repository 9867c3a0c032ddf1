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
import Destinations from './Destinations';
import CopyButton from './CopyButton';
import QrPanel from './QrPanel';

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
  direct: 'Direct', search: 'Search', social: 'Social', email: 'Email', internal: 'Internal', other: 'Other website', qr: 'QR code scan', '': 'Unknown',
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

/**
 * `token`: the stats token of a link shortened anonymously (from the page's fragment). It is sent as
 * X-Stats-Token (the live stream, an EventSource, cannot send headers and uses ?token=); with it the page
 * shows statistics only, and a 401 is an error on the page instead of a trip to the login page.
 */
export default function Dashboard({ slug, initialRange = 7, token = null }: { slug: string; initialRange?: number; token?: string | null }) {
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
  const [exportError, setExportError] = useState<string | null>(null);
  const auth = useMemo(() => (token
    ? { headers: { 'X-Stats-Token': token }, on401: 'throw' as const }
    : {}), [token]);

  useEffect(() => {
    if (token) return;  // a stats token opens the link's statistics only, not the link itself
    api<ShortLink>(`/api/v1/links/${encodeURIComponent(slug)}`).then(setLink)
      .catch((e) => setLinkError(e instanceof ApiError ? e.message : 'Could not load this link.'));
  }, [slug, token]);

  const loadStats = useCallback(async () => {
    setStatsError(null);
    try {
      const q = statsQuery({ rangeDays, interval, tz, bots });
      setStats(await api<Stats>(`/api/v1/links/${encodeURIComponent(slug)}/stats?${q}`, auth));
    } catch (e) {
      setStatsError(e instanceof ApiError ? e.message : 'Could not load the statistics.');
    } finally {
      setLoading(false);
    }
  }, [slug, rangeDays, interval, tz, bots, auth]);

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
      es = new EventSource(`/api/v1/links/${encodeURIComponent(slug)}/live${token ? `?token=${encodeURIComponent(token)}` : ''}`);
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
  }, [slug, token]);

  const intervals = useMemo(() => intervalsFor(rangeDays), [rangeDays]);
  const countryCounts = useMemo(
    () => Object.fromEntries((stats?.countries ?? []).map((c) => [c.key, c.clicks])), [stats]);
  const liveCount = live ? (bots ? live.clicks : live.human_clicks) : null;

  if (linkError) {
    return (<><h1>Link dashboard</h1><p className="error" role="alert">{linkError}</p><p><Link href="/app/links/">Back to your links</Link></p></>);
  }

  const exportHref = () => `/api/v1/links/${encodeURIComponent(slug)}/clicks?format=csv&${new URLSearchParams({ from: new Date(Date.now() - rangeDays * 86400000).toISOString(), to: new Date().toISOString() })}`;
  // With a stats token the export is fetched (so the token travels in a header) and saved from a blob.
  async function exportWithToken() {
    setExportError(null);
    try {
      const r = await fetch(exportHref(), { headers: { 'X-Stats-Token': token! }, credentials: 'same-origin' });
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      const url = URL.createObjectURL(await r.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = `${slug}-clicks.csv`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch {
      setExportError('The export failed. Try again.');
    }
  }
  const shortUrl = link?.short_url ?? (typeof window === 'undefined' ? '' : `${window.location.origin}/${slug}`);

  return (
    <>
      <h1>Dashboard: <span data-testid="slug">{slug}</span></h1>
      {link ? (
        <p className="row">
          <a href={link.short_url}>{link.short_url}</a> <CopyButton text={link.short_url} label="Copy" />
          <span className="muted long">→ {link.long_url}</span>
          <span className="muted">Created {formatDate(link.created_at)}</span>
          {link.disabled && <span className="badge" data-testid="disabled-badge">disabled</span>}
          {link.password_protected && <span className="badge">password</span>}
          {link.broken && <span className="badge broken" data-testid="broken-badge">Broken</span>}
          {link.tags.map((t) => <Link key={t} prefetch={false} className="tag" href={`/app/links/?tag=${encodeURIComponent(t)}`}>{t}</Link>)}
          {!token && <Link prefetch={false} className="button secondary" href={`/app/link/edit/?slug=${encodeURIComponent(slug)}`}>Edit link</Link>}
        </p>
      ) : token ? (
        <p className="row"><a href={shortUrl}>{shortUrl}</a> <CopyButton text={shortUrl} label="Copy" />
          <span className="muted">Statistics through a stats token: this link cannot be edited.</span></p>
      ) : <p className="muted">Loading link…</p>}
      {link?.health && link.health.status !== 'unknown' && (
        <p className={link.broken ? 'error' : 'muted'} data-testid="link-health">
          Destination {link.broken ? 'broken' : 'reachable'}: {link.health.status_code ? `HTTP ${link.health.status_code}` : link.health.error}
          {link.health.checked_at && <> · checked {formatDate(link.health.checked_at)}</>}
          {link.health.final_url && link.health.final_url !== link.long_url && <> · ends at <span className="long">{link.health.final_url}</span></>}
        </p>
      )}

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
        <label className="row check">
          <input type="checkbox" data-testid="include-bots" checked={bots} onChange={(e) => setBots(e.target.checked)} /> Include bots
        </label>
        {token
          ? <button type="button" className="secondary" onClick={exportWithToken}>Export CSV</button>
          : <a className="button secondary" href={exportHref()} download>Export CSV</a>}
      </form>
      {exportError && <p className="error" role="alert">{exportError}</p>}

      <div className="kpis gap-y">
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
          <div className="value" data-testid="range-uniques">{stats ? formatCount(stats.totals.unique_visitors) : '—'}</div>
        </section>
        <section className="card kpi" aria-labelledby="kpi-qr">
          <h2 id="kpi-qr">QR scans</h2>
          <div className="value" data-testid="range-qr-scans">{stats ? formatCount(stats.totals.qr_scans ?? 0) : '—'}</div>
          <p className="muted">of the clicks in range: visits through the link’s QR code</p>
        </section>
      </div>

      {statsError && <p className="error" role="alert">{statsError} <button type="button" className="secondary" onClick={loadStats}>Retry</button></p>}

      <div className="grid">
        <section className="card wide" aria-labelledby="feed-h">
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
        <section className="card wide" aria-labelledby="chart-h">
          <h2 id="chart-h">Clicks over time</h2>
          {loading && !stats ? <p className="muted">Loading…</p> : stats && stats.timeseries.length > 0 ? (
            <Chart points={stats.timeseries} interval={stats.interval} />
          ) : <p className="muted">No data for this range.</p>}
        </section>
        <section className="card wide" aria-labelledby="map-h">
          <h2 id="map-h">Clicks by country</h2>
          <WorldMap counts={countryCounts} />
        </section>
        {shortUrl && (
          <section className="card" aria-labelledby="qr-h">
            <h2 id="qr-h">QR code</h2>
            <QrPanel slug={slug} shortUrl={shortUrl} />
          </section>
        )}
        <Destinations rows={stats?.destinations} />
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
        <Breakdown title="UTM sources" rows={stats?.utm?.source} empty="No clicks with utm_source yet." />
        <Breakdown title="UTM mediums" rows={stats?.utm?.medium} empty="No clicks with utm_medium yet." />
        <Breakdown title="UTM campaigns" rows={stats?.utm?.campaign} empty="No clicks with utm_campaign yet." />
        {(stats?.utm?.term?.length ?? 0) > 0 && <Breakdown title="UTM terms" rows={stats?.utm?.term} />}
        {(stats?.utm?.content?.length ?? 0) > 0 && <Breakdown title="UTM contents" rows={stats?.utm?.content} />}
      </div>
    </>
  );
}
