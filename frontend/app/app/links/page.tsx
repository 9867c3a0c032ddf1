'use client';
import { useCallback, useEffect, useState } from 'react';
import Link from 'next/link';
import { api, ApiError, type Link as ShortLink } from '@/lib/api';
import { formatCount, formatDate } from '@/lib/logic.mjs';

type Page = { items: ShortLink[]; next_cursor: string | null };
type Overview = { totals: { clicks: number; unique_visitors: number }; top_links: { slug: string; clicks: number }[] };

export default function Links() {
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [cursors, setCursors] = useState<string[]>(['']);  // cursor of each page visited
  const [page, setPage] = useState<Page | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const cursor = cursors[cursors.length - 1];
  const [overview, setOverview] = useState<Overview | null>(null);

  useEffect(() => {
    api<Overview>('/api/v1/stats').then(setOverview).catch(() => setOverview(null));  // optional summary
  }, []);

  const load = useCallback(async () => {
    setLoading(true);
    setError(null);
    try {
      const p = new URLSearchParams({ limit: '20' });
      if (query) p.set('q', query);
      if (cursor) p.set('cursor', cursor);
      setPage(await api<Page>(`/api/v1/links?${p}`));
    } catch (e) {
      setError(e instanceof ApiError ? e.message : 'Could not load links.');
    } finally {
      setLoading(false);
    }
  }, [query, cursor]);

  useEffect(() => { load(); }, [load]);

  return (
    <>
      <h1>Links</h1>
      {overview && (
        <section className="card" aria-labelledby="ov-h" style={{ marginBottom: '1rem' }}>
          <h2 id="ov-h">Last 7 days</h2>
          <p data-testid="overview">
            {formatCount(overview.totals.clicks)} clicks, {formatCount(overview.totals.unique_visitors)} unique visitors
            {overview.top_links.length > 0 && <> · busiest: <Link href={`/app/link/?slug=${encodeURIComponent(overview.top_links[0].slug)}`}>{overview.top_links[0].slug}</Link> ({formatCount(overview.top_links[0].clicks)})</>}
          </p>
        </section>
      )}
      <form role="search" className="row" onSubmit={(e) => { e.preventDefault(); setCursors(['']); setQuery(q.trim()); }}>
        <div className="field grow">
          <label htmlFor="q">Search by slug or destination</label>
          <input id="q" type="search" value={q} onChange={(e) => setQ(e.target.value)} placeholder="e.g. launch or example.com" />
        </div>
        <button type="submit">Search</button>
      </form>
      <div aria-live="polite" aria-busy={loading}>
        {error && <p className="error" role="alert">{error} <button type="button" className="secondary" onClick={load}>Retry</button></p>}
        {loading && !page && <p className="muted">Loading links…</p>}
        {page && page.items.length === 0 && !loading && (
          <p className="muted">{query ? `No links match “${query}”.` : <>No links yet. <Link href="/">Shorten one</Link>.</>}</p>
        )}
      </div>
      {page && page.items.length > 0 && (
        <table style={{ marginTop: '1rem' }}>
          <caption className="sr">Your links, newest first</caption>
          <thead><tr><th scope="col">Slug</th><th scope="col" className="hide-sm">Destination</th><th scope="col" className="num">Clicks</th><th scope="col">Created</th></tr></thead>
          <tbody>
            {page.items.map((l) => (
              <tr key={l.slug}>
                <td><Link href={`/app/link/?slug=${encodeURIComponent(l.slug)}`}>{l.slug}</Link></td>
                <td className="long hide-sm muted">{l.long_url}</td>
                <td className="num">{formatCount(l.clicks)}</td>
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
