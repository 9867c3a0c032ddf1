export type ImportFormat = { id: string; label: string; ext: string[] };
export const IMPORT_FORMATS: ImportFormat[];
export function importQuery(o: { format: string; domain?: string; dryRun?: boolean }): { query?: string; error?: string };
export type ImportFailure = { line: number; code: string; message: string };
export type ImportSummary = {
  imported: number; skipped: number; failed: number; dry_run: boolean; failures: ImportFailure[];
  failures_truncated: boolean;
};
export function summarySentence(s: ImportSummary): string;
export const LARGE_FILE_BYTES: number;
export type ImportJob = {
  id: string; status: 'running' | 'done' | 'failed' | 'interrupted'; format: string; total: number; processed: number;
  created_at: string; updated_at: string; summary?: ImportSummary; failure?: string;
};
export function jobProgress(job: ImportJob):
  { done: true; summary: ImportSummary; error?: undefined } | { done: true; error: string; summary?: undefined } |
  { done: false; percent: number; text: string; summary?: undefined; error?: undefined };
