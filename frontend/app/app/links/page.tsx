'use client';
import { Suspense, useCallback, useEffect, useState } from 'react';
import Link from 'next/link';
import { useRouter, useSearchParams } from 'next/navigation';
import { api, ApiError, type Link as ShortLink, type Stats } from '@/lib/api';
import { formatCount, formatDate, linkClicks } from '@/lib/logic.mjs';
import RequireSession, { useSession } from '@/components/Session';
import Breakdown from '@/components/Breakdown';

type Page = { items: ShortLink[]; next_cursor: string | null };
type Overview = {
  totals: { clicks: number; unique_visitors: number | null }; top_links: { slug: string; clicks: number }[];
  utm?: Stats['utm'];  // UTM breakdowns over every link (issue #17)
};

const tagHref = (tag: string) => `/app/links/?tag=${encodeURIComponent(tag)}`;

function Links() {
  const router = useRouter();
  const params = useSearchParams();
  const tag = params.get('tag') ?? '';
  const brokenOnly = params.get('broken') === 'true';
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [tagInput, setTagInput] = useState(tag);
  const [cursors, setCursors] = useState<string[]>(['']);  // cursor of each page visited
  const [page, setPage] = useState<Page | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const cursor = cursors[cursors.length - 1];
  const [overview, setOverview] = useState<Overview | null>(null);
  const [bots, setBots] = useState(false);  // counts show people; bots are one toggle away
  // The overview sums every owner's links: only admins may read it (auth mode none: everyone is admin).
  const s = useSession();
  const mayOverview = s?.mode === 'none' || s?.user?.is_admin === true;

  useEffect(() => { setTagInput(tag); setCursors(['']); }, [tag, brokenOnly]);

  useEffect(() => {
    if (mayOverview) api<Overview>(`/api/v1/stats${bots ? '?bots=include' : ''}`).then(setOverview).catch(() => setOverview(null));  // optional summary
  }, [mayOverview, bots]);

  const load = useCallback(async () => {
    setLoading(true);
    setError(null);
    try {
      const p = new URLSearchParams({ limit: '20' });
      if (query) p.set('q', query);
      if (tag) p.set('tag', tag);
      if (brokenOnly) p.set('broken', 'true');
      if (cursor) p.set('cursor', cursor);
      setPage(await api<Page>(`/api/v1/links?${p}`));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'Could not load links.');
    } finally {
      setLoading(false);
    }
  }, [query, tag, brokenOnly, cursor]);

  useEffect(() => { load(); }, [load]);

  return (
    <>
      <h1>Links</h1>
      {overview && (
        <section className="card gap-below" aria-labelledby="ov-h">
          <h2 id="ov-h">Last 7 days</h2>
          <p data-testid="overview">
            {formatCount(overview.totals.clicks)} {bots ? 'clicks' : 'clicks by people'}, {formatCount(overview.totals.unique_visitors)} unique visitors
            {overview.top_links.length > 0 && <> · busiest: <Link href={`/app/link/?slug=${encodeURIComponent(overview.top_links[0].slug)}`}>{overview.top_links[0].slug}</Link> ({formatCount(overview.top_links[0].clicks)})</>}
          </p>
          {(overview.utm?.source?.length || overview.utm?.campaign?.length) ? (
            <details data-testid="overview-utm">
              <summary>Campaigns (UTM) across all links</summary>
              <div className="grid">
                <Breakdown title="UTM sources" rows={overview.utm?.source} empty="No clicks with utm_source yet." />
                <Breakdown title="UTM mediums" rows={overview.utm?.medium} empty="No clicks with utm_medium yet." />
                <Breakdown title="UTM campaigns" rows={overview.utm?.campaign} empty="No clicks with utm_campaign yet." />
              </div>
            </details>
          ) : null}
        </section>
      )}
      <form role="search" className="row" onSubmit={(e) => { e.preventDefault(); setCursors(['']); setQuery(q.trim()); }}>
        <div className="field grow">
          <label htmlFor="q">Search by slug or destination</label>
          <input id="q" type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="e.g. launch or example.com" />
        </div>
        <button type="submit">Search</button>
      </form>
      <form className="row gap-above" aria-label="Filter by tag"
        onSubmit={(e) => { e.preventDefault(); const t = tagInput.trim(); router.push(t ? tagHref(t) : '/app/links/'); }}>
        <div className="field">
          <label htmlFor="tag">Tag</label>
          <input id="tag" type="text" value={tagInput} onChange={(e) => setTagInput(e.target.value)} placeholder="e.g. q4" maxLength={64} />
        </div>
        <button type="submit" className="secondary">Filter</button>
        <label className="row check">
          <input type="checkbox" data-testid="broken-only" checked={brokenOnly}
            onChange={(e) => router.push(e.target.checked ? '/app/links/?broken=true' : '/app/links/')} /> Broken destinations only
        </label>
        <label className="row check">
          <input type="checkbox" data-testid="include-bots" checked={bots} onChange={(e) => setBots(e.target.checked)} /> Include bots
        </label>
        {tag && <Link className="button secondary" href="/app/links/" data-testid="clear-tag">Show all tags<span className="sr"> (clear the filter “{tag}”)</span></Link>}
        {/* Every link the caller may see, whatever the search or tag: the server streams it (GET /api/v1/links/export). */}
        <a className="button secondary" href="/api/v1/links/export?format=csv" download="links.csv" data-testid="export-links">Export CSV<span className="sr"> of all your links</span></a>
      </form>
      <div aria-live="polite" aria-busy={loading}>
        {error && <p className="error" role="alert">{error} <button type="button" className="secondary" onClick={load}>Retry</button></p>}
        {loading && !page && <p className="muted">Loading links…</p>}
        {page && page.items.length === 0 && !loading && (
          <p className="muted">{brokenOnly && !query && !tag ? 'No link has a broken destination.' : query || tag ? `No links match${query ? ` “${query}”` : ''}${tag ? ` with the tag “${tag}”` : ''}.` : <>No links yet. <Link href="/">Shorten one</Link>.</>}</p>
        )}
      </div>
      {page && page.items.length > 0 && (
        <table className="gap-above">
          <caption className="sr">Your links, newest first{tag ? `, tagged “${tag}”` : ''}</caption>
          <thead><tr><th scope="col">Slug</th><th scope="col" className="hide-sm">Destination</th><th scope="col" className="hide-sm">Tags</th><th scope="col" className="num">{bots ? 'Clicks' : 'Clicks (people)'}</th><th scope="col">Created</th></tr></thead>
          <tbody>
            {page.items.map((l) => (
              <tr key={l.slug}>
                <td><Link href={`/app/link/?slug=${encodeURIComponent(l.slug)}`}>{l.slug}</Link>
                  {l.disabled && <span className="badge">disabled</span>}{l.password_protected && <span className="badge">password</span>}
                  {l.broken && <span className="badge broken" data-testid="broken-badge" title={l.health?.error ?? undefined}>Broken</span>}</td>
                <td className="long hide-sm muted">{l.long_url}</td>
                <td className="hide-sm">{l.tags.map((t) => <Link key={t} className="tag" href={tagHref(t)}>{t}</Link>)}</td>
                <td className="num" data-testid="link-clicks">{formatCount(linkClicks(l, bots))}</td>
                <td>{formatDate(l.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav className="pager" aria-label="Pages">
        <button type="button" className="secondary" disabled={cursors.length < 2 || loading} onClick={() => setCursors(cursors.slice(0, -1))}>Previous</button>
        <button type="button" className="secondary" disabled={!page?.next_cursor || loading} onClick={() => page?.next_cursor && setCursors([...cursors, page.next_cursor])}>Next</button>
      </nav>
    </>
  );
}

export default function Page() {
  return (
    <RequireSession>
      <Suspense fallback={<p className="muted">Loading links…</p>}>
        <Links />
      </Suspense>
    </RequireSession>
  );
}
