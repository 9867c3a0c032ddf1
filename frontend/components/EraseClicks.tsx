'use client';
import { useState } from 'react';
import { api, ApiError } from '@/lib/api';
import { formatCount } from '@/lib/logic.mjs';

const DAY_MS = 86_400_000;
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Erase one link's clicks before a UTC day (DELETE /api/v1/links/{slug}/clicks?before=): its raw clicks and the
 * counts of those days, for good. Counts are kept per UTC day, so the choice is a day; tomorrow erases every click.
 */
export default function EraseClicks({ slug, onErased }: { slug: string; onErased?: () => void }) {
  const [before, setBefore] = useState(() => utcDay(Date.now()));
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const tomorrow = utcDay(Date.now() + DAY_MS);

  async function erase() {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const r = await api<{ erased_clicks: number }>(
        `/api/v1/links/${encodeURIComponent(slug)}/clicks?before=${encodeURIComponent(before)}`, { method: 'DELETE' });
      setResult(`Erased ${formatCount(r.erased_clicks)} ${r.erased_clicks === 1 ? 'click' : 'clicks'} before ${before} (UTC).`);
      onErased?.();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Could not erase the clicks.');
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  }

  return (
    <section className="card danger section" aria-labelledby="erase-h" data-testid="erase-clicks">
      <h2 id="erase-h">Erase clicks</h2>
      <p className="muted">
        Deletes this link’s recorded clicks before the start of the chosen day (UTC) and takes them out of its
        statistics, for good. The link keeps working. Pick tomorrow to erase every click.
      </p>
      <div className="row">
        <label htmlFor="erase-before">Erase clicks before</label>
        <input id="erase-before" type="date" value={before} max={tomorrow} required
          onChange={(e) => { setBefore(e.target.value); setConfirming(false); }} />
        {!confirming ? (
          <button type="button" className="danger" onClick={() => setConfirming(true)} disabled={!before}>Erase clicks…</button>
        ) : (
          <span role="group" aria-label="Confirm erasure">
            <span className="strong">Erase every click before {before}?</span>{' '}
            <button type="button" className="danger" onClick={erase} disabled={busy} autoFocus>Yes, erase them</button>{' '}
            <button type="button" className="secondary" onClick={() => setConfirming(false)}>Cancel</button>
          </span>
        )}
      </div>
      {result && <p className="ok" role="status" data-testid="erased">{result}</p>}
      {error && <p className="error" role="alert">{error}</p>}
    </section>
  );
}
