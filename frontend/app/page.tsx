'use client';
import { useEffect, useRef, useState } from 'react';
import Link from 'next/link';
import { api, ApiError, type Link as ShortLink } from '@/lib/api';
import { addRecent, formatDate } from '@/lib/logic.mjs';
import CopyButton from '@/components/CopyButton';
import QrCode from '@/components/QrCode';

const RECENT_KEY = 'shortener.recent';
type Recent = Pick<ShortLink, 'slug' | 'short_url' | 'long_url' | 'created_at'>;

function loadRecent(): Recent[] {
  try { const v = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]'); return Array.isArray(v) ? v : []; } catch { return []; }
}

export default function Home() {
  const [url, setUrl] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<ShortLink | null>(null);
  const [recent, setRecent] = useState<Recent[]>([]);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => { setRecent(loadRecent()); }, []);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const link = await api<ShortLink>('/api/v1/links', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ url: url.trim() }),
      });
      setCreated(link);
      setUrl('');
      const next = addRecent(loadRecent(), { slug: link.slug, short_url: link.short_url, long_url: link.long_url, created_at: link.created_at });
      try { localStorage.setItem(RECENT_KEY, JSON.stringify(next)); } catch { /* private mode */ }
      setRecent(next);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Something went wrong.');
      input.current?.focus();
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <h1>Shorten a link</h1>
      <form onSubmit={submit} noValidate className="row" aria-describedby={error ? 'url-error' : undefined}>
        <div className="field grow">
          <label htmlFor="url">Long URL</label>
          <input ref={input} id="url" name="url" type="url" inputMode="url" autoComplete="off" autoFocus
            placeholder="https://example.com/a/very/long/link" value={url} onChange={(e) => setUrl(e.target.value)}
            aria-invalid={error ? true : undefined} aria-describedby={error ? 'url-error' : undefined} />
        </div>
        <button type="submit" disabled={busy}>{busy ? 'Shortening…' : 'Shorten'}</button>
      </form>
      <div aria-live="polite">
        {error && <p id="url-error" className="error" role="alert">{error}</p>}
        {created && (
          <section className="card result" aria-label="Your short link">
            <QrCode value={created.short_url} />
            <div>
              <p className="short"><a href={created.short_url} data-testid="short-url">{created.short_url}</a></p>
              <p className="muted long">{created.long_url}</p>
              <div className="row">
                <CopyButton text={created.short_url} label="Copy link" />
                <Link className="button secondary" href={`/app/link/?slug=${encodeURIComponent(created.slug)}`}>Open dashboard</Link>
              </div>
            </div>
          </section>
        )}
      </div>
      <section aria-labelledby="recent-h" style={{ marginTop: '2rem' }}>
        <h2 id="recent-h">Your recent links</h2>
        {recent.length === 0 ? (
          <p className="muted">Links you create in this browser appear here.</p>
        ) : (
          <table>
            <thead><tr><th scope="col">Short link</th><th scope="col" className="hide-sm">Destination</th><th scope="col">Created</th><th scope="col"><span className="sr">Actions</span></th></tr></thead>
            <tbody>
              {recent.map((l) => (
                <tr key={l.slug}>
                  <td><a href={l.short_url}>{l.short_url.replace(/^https?:\/\//, '')}</a></td>
                  <td className="long hide-sm muted">{l.long_url}</td>
                  <td>{formatDate(l.created_at)}</td>
                  <td><Link href={`/app/link/?slug=${encodeURIComponent(l.slug)}`}>Stats<span className="sr"> for {l.slug}</span></Link></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}
