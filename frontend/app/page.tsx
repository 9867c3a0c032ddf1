'use client';
import { useEffect, useRef, useState } from 'react';
import Link from 'next/link';
import { api, ApiError, type Link as ShortLink } from '@/lib/api';
import { addRecent, formatDate } from '@/lib/logic.mjs';
import { dashboardHref } from '@/lib/session.mjs';
import CopyButton from '@/components/CopyButton';
import QrPanel from '@/components/QrPanel';
import PreviewFields from '@/components/PreviewFields';
import UtmBuilder from '@/components/UtmBuilder';
import { previewChanges } from '@/lib/linkform.mjs';
import RequireSession, { useSession } from '@/components/Session';

const RECENT_KEY = 'shortener.recent';
// stats_token: the token of a link shortened anonymously, kept in this browser so its Stats link keeps working.
type Recent = Pick<ShortLink, 'slug' | 'short_url' | 'long_url' | 'created_at'> & { stats_token?: string };

function loadRecent(): Recent[] {
  try { const v = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]'); return Array.isArray(v) ? v : []; } catch { return []; }
}

function Shorten() {
  const s = useSession();
  const anonymous = s?.mode === 'required' && !s.user;
  const [url, setUrl] = useState('');
  const [og, setOg] = useState({ og_title: '', og_description: '', og_image: '' });
  const [ogError, setOgError] = useState<{ field: string; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<ShortLink | null>(null);
  const [recent, setRecent] = useState<Recent[]>([]);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => { setRecent(loadRecent()); }, []);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setError(null);
    setOgError(null);
    const preview = previewChanges(og, null);
    if (preview.error) { setOgError(preview.error); return; }
    setBusy(true);
    try {
      const link = await api<ShortLink>('/api/v1/links', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ url: url.trim(), ...preview.body }),
      });
      setCreated(link);
      setUrl('');
      setOg({ og_title: '', og_description: '', og_image: '' });
      const entry: Recent = { slug: link.slug, short_url: link.short_url, long_url: link.long_url, created_at: link.created_at };
      if (link.stats_token) entry.stats_token = link.stats_token;
      const next = addRecent(loadRecent(), entry);
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
      {anonymous && (
        <p className="muted" data-testid="anonymous-note">
          You are not signed in. Anyone can follow the short link; its statistics are reachable only with the stats
          token shown after shortening, and the link cannot be edited later. <Link href="/app/login/">Sign in</Link> to manage your links.
        </p>
      )}
      <form onSubmit={submit} noValidate className="row" aria-describedby={error ? 'url-error' : undefined}>
        <div className="field grow">
          <label htmlFor="url">Long URL</label>
          <input ref={input} id="url" name="url" type="url" inputMode="url" autoComplete="off" autoFocus
            placeholder="https://example.com/a/very/long/link" value={url} onChange={(e) => setUrl(e.target.value)}
            aria-invalid={error ? true : undefined} aria-describedby={error ? 'url-error' : undefined} />
        </div>
        <button type="submit" disabled={busy}>{busy ? 'Shortening…' : 'Shorten'}</button>
      </form>
      <UtmBuilder url={url} onChange={setUrl} />
      {!anonymous && (
        <details className="section" data-testid="preview-options">
          <summary>Social preview <span className="muted">(optional)</span></summary>
          <PreviewFields value={og} onChange={(k, v) => setOg({ ...og, [k]: v })}
            inv={(f) => (ogError?.field === f ? { 'aria-invalid': true, 'aria-describedby': `${f}-error` } : {})}
            errFor={(f) => (ogError?.field === f ? <p id={`${f}-error`} className="error field-error">{ogError.message}</p> : null)} />
        </details>
      )}
      <div aria-live="polite">
        {error && <p id="url-error" className="error" role="alert">{error}</p>}
        {created && (
          <section className="card result" aria-label="Your short link">
            <QrPanel slug={created.slug} shortUrl={created.short_url} />
            <div className="grow">
              <p className="short"><a href={created.short_url} data-testid="short-url">{created.short_url}</a></p>
              <p className="muted long">{created.long_url}</p>
              <div className="row">
                <CopyButton text={created.short_url} label="Copy link" />
                <Link className="button secondary" href={dashboardHref(created.slug, created.stats_token)}>Open dashboard</Link>
              </div>
              {created.stats_token && (
                <div className="notice" data-testid="stats-token-box">
                  <p><strong>Stats token:</strong> <code data-testid="stats-token">{created.stats_token}</code>{' '}
                    <CopyButton text={created.stats_token} label="Copy token" /></p>
                  <p className="muted">Keep it: it is the only way to see this link&apos;s statistics, and it is not shown again.
                    This browser remembers it in your recent links; the dashboard link above carries it.</p>
                </div>
              )}
            </div>
          </section>
        )}
      </div>
      <section aria-labelledby="recent-h" className="section">
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
                  <td><Link href={dashboardHref(l.slug, l.stats_token)}>Stats<span className="sr"> for {l.slug}</span></Link></td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}

export default function Home() {
  return <RequireSession anonymousOk><Shorten /></RequireSession>;
}
