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
