'use client';
import { useRef, useState } from 'react';
import Link from 'next/link';
import { api, ApiError } from '@/lib/api';
import { IMPORT_FORMATS, importQuery, jobProgress, LARGE_FILE_BYTES, summarySentence, type ImportJob, type ImportSummary } from '@/lib/importer.mjs';
import RequireSession from '@/components/Session';

const POLL_MS = 500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Links from a file (issue #15): the file goes to POST /api/v1/imports as the body; the summary comes back, or for a
// large file (202) a job whose progress the page follows until its summary is there.
function Import() {
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState('csv');
  const [domain, setDomain] = useState('');
  const [dryRun, setDryRun] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [summary, setSummary] = useState<ImportSummary | null>(null);
  const [progress, setProgress] = useState<{ percent: number; text: string } | null>(null);
  const resultRef = useRef<HTMLHeadingElement>(null);

  // A .json file is Bitly's or Kutt's; keep the choice when it already fits.
  function pick(f: File | null) {
    setFile(f);
    setSummary(null);
    if (!f) return;
    const ext = f.name.slice(f.name.lastIndexOf('.')).toLowerCase();
    const current = IMPORT_FORMATS.find((x) => x.id === format);
    if (current && !current.ext.includes(ext)) {
      const fit = IMPORT_FORMATS.find((x) => x.ext.includes(ext));
      if (fit) setFormat(fit.id);
    }
  }

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setError(null);
    setSummary(null);
    if (!file) { setError('Choose a file to import.'); return; }
    const q = importQuery({ format, domain, dryRun });
    if (q.error) { setError(q.error); return; }
    setBusy(true);
    try {
      const contentType = file.name.toLowerCase().endsWith('.json') ? 'application/json' : 'text/csv';
      const answer = await api<ImportSummary | ImportJob>(`/api/v1/imports?${q.query}`, { method: 'POST', body: file, headers: { 'Content-Type': contentType } });
      const s = 'id' in answer ? await follow(answer) : answer;
      if (s) {
        setSummary(s);
        setTimeout(() => resultRef.current?.focus(), 0);
      }
    } catch (err) {
      if (err instanceof ApiError && err.status === 413) {
        setError('The file is larger than this server accepts over the API. Import it with `shortener import` on the server.');
      } else {
        setError(err instanceof ApiError ? (err.serverMessage || err.message) : 'Could not import the file.');
      }
    } finally {
      setBusy(false);
      setProgress(null);
    }
  }

  // Polls a background import until it ends: its summary, or null with the error shown.
  async function follow(job: ImportJob): Promise<ImportSummary | null> {
    for (;;) {
      const p = jobProgress(job);
      if (p.done) {
        if (p.error) setError(p.error);
        return p.summary ?? null;
      }
      setProgress(p);
      await sleep(POLL_MS);
      job = await api<ImportJob>(`/api/v1/imports/${encodeURIComponent(job.id)}`);
    }
  }

  return (
    <>
      <h1>Import links</h1>
      <p className="muted">Links from another shortener&apos;s export, or a CSV of your own. Every row is checked like a new
        link; rows already imported are skipped, so importing again is safe. Large files: <code>shortener import</code>.</p>
      <form onSubmit={submit} noValidate className="card" aria-label="Import a file">
        <p>
          <label htmlFor="import-file">File</label>
          <input id="import-file" type="file" accept=".csv,.json,text/csv,application/json" data-testid="import-file"
            onChange={(e) => pick(e.target.files?.[0] ?? null)} />
          {file && file.size > LARGE_FILE_BYTES && <span className="muted"> This file is large; the server may refuse it.</span>}
        </p>
        <p>
          <label htmlFor="import-format">Format</label>
          <select id="import-format" value={format} onChange={(e) => setFormat(e.target.value)} data-testid="import-format">
            {IMPORT_FORMATS.map((f) => <option key={f.id} value={f.id}>{f.label}</option>)}
          </select>
        </p>
        <p>
          <label htmlFor="import-domain">Short domain of the source (optional)</label>
          <input id="import-domain" type="text" value={domain} maxLength={253} placeholder="bit.ly"
            onChange={(e) => setDomain(e.target.value)} aria-describedby="import-domain-help" />
          <span id="import-domain-help" className="muted"> Rows of this domain are imported here; rows of other domains are reported.</span>
        </p>
        <p>
          <label><input type="checkbox" checked={dryRun} onChange={(e) => setDryRun(e.target.checked)} data-testid="import-dry-run" />
            {' '}Dry run: check every row, store nothing</label>
        </p>
        <button type="submit" disabled={busy}>{busy ? 'Importing…' : dryRun ? 'Check file' : 'Import'}</button>
        {progress && (
          <p data-testid="import-progress">
            <label htmlFor="import-progress-bar">Importing in the background</label>{' '}
            <progress id="import-progress-bar" max={100} value={progress.percent}>{progress.percent}%</progress>{' '}
            <span role="status">{progress.text}</span>
          </p>
        )}
        {error && <p className="error" role="alert">{error}</p>}
      </form>

      {summary && (
        <section className="card" aria-labelledby="import-result-h" data-testid="import-summary">
          <h2 id="import-result-h" tabIndex={-1} ref={resultRef}>{summary.dry_run ? 'Dry run' : 'Imported'}</h2>
          <p>{summarySentence(summary)}</p>
          {summary.dry_run && summary.failed === 0 && <p>Untick “Dry run” and import again to store the links.</p>}
          {!summary.dry_run && summary.imported > 0 && <p><Link href="/app/links/">See your links</Link>.</p>}
          {summary.failures.length > 0 && (
            <table>
              <caption className="sr">Rows that were not imported</caption>
              <thead><tr><th scope="col">Line</th><th scope="col">Reason</th><th scope="col">Details</th></tr></thead>
              <tbody>
                {summary.failures.map((f) => (
                  <tr key={`${f.line}-${f.code}`}><td>{f.line}</td><td><code>{f.code}</code></td><td>{f.message}</td></tr>
                ))}
              </tbody>
            </table>
          )}
          {summary.failures_truncated && <p className="muted">Only the first {summary.failures.length} failures are listed.</p>}
        </section>
      )}
    </>
  );
}

export default function Page() {
  return <RequireSession><Import /></RequireSession>;
}
