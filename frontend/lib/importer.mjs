// The import page's logic (issue #15), kept out of the component so that node --test can check it.

/** The formats POST /api/v1/imports reads, with what to pick each for. */
export const IMPORT_FORMATS = [
  { id: 'csv', label: 'CSV (this shortener: url, slug, tags, …)', ext: ['.csv'] },
  { id: 'bitly', label: 'Bitly (API v4 bitlinks JSON)', ext: ['.json'] },
  { id: 'shlink', label: 'Shlink (web client CSV export)', ext: ['.csv'] },
  { id: 'yourls', label: 'YOURLS (yourls_url table as CSV)', ext: ['.csv'] },
  { id: 'kutt', label: 'Kutt (API v2 links JSON)', ext: ['.json'] },
];

/**
 * The query of POST /api/v1/imports; `error` when a field is wrong (the file is checked by the server).
 * A domain is a host name as the source wrote it (bit.ly, s.example.net), without scheme or path.
 */
export function importQuery({ format, domain = '', dryRun = false }) {
  if (!IMPORT_FORMATS.some((f) => f.id === format)) return { error: 'Pick the format of the file.' };
  const params = new URLSearchParams({ format });
  const d = domain.trim().toLowerCase();
  if (d) {
    if (d.length > 253 || !/^[a-z0-9.-]+(:\d+)?$/.test(d)) {
      return { error: 'The short domain is a host name such as bit.ly (no https://, no path).' };
    }
    params.set('domain', d);
  }
  if (dryRun) params.set('dry_run', 'true');
  return { query: params.toString() };
}

/** The sentence above the failures table, e.g. "Dry run: 3 would be imported, 1 skipped, 2 failed." */
export function summarySentence(s) {
  const n = (x) => Number(x ?? 0).toLocaleString('en-US');
  const imported = s.dry_run ? `${n(s.imported)} would be imported` : `${n(s.imported)} imported`;
  return `${s.dry_run ? 'Dry run: ' : ''}${imported}, ${n(s.skipped)} skipped (already there), ${n(s.failed)} failed.`;
}

/** 32 MiB: the files the API takes are bounded by SHORTENER_IMPORT_MAX_BYTES (32 MiB by default); a larger file is
 *  still sent (the server may allow more, or says 413), but the page warns first. */
export const LARGE_FILE_BYTES = 32 << 20;

/**
 * What a background import's state (GET /api/v1/imports/{id}) means for the page: `done` with the summary, `error`
 * when it ended without one, else `percent` and a sentence of its progress.
 */
export function jobProgress(job) {
  const n = (x) => Number(x ?? 0).toLocaleString('en-US');
  if (job.status === 'done' && job.summary) return { done: true, summary: job.summary };
  if (job.status === 'failed') return { done: true, error: job.failure || 'The import failed. Importing the file again skips the rows already stored.' };
  if (job.status === 'interrupted') {
    return { done: true, error: `The import stopped after ${n(job.processed)} of ${n(job.total)} rows (the server restarted). Import the file again: rows already stored are skipped.` };
  }
  const total = Math.max(0, Number(job.total ?? 0));
  const processed = Math.min(total, Math.max(0, Number(job.processed ?? 0)));
  const percent = total === 0 ? 0 : Math.floor((processed * 100) / total);
  return { done: false, percent, text: `${n(processed)} of ${n(total)} rows handled (${percent}%).` };
}
