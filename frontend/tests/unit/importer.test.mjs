import test from 'node:test';
import assert from 'node:assert/strict';
import { IMPORT_FORMATS, importQuery, jobProgress, summarySentence } from '../../lib/importer.mjs';

test('importQuery builds the query and refuses bad fields', () => {
  assert.deepEqual(importQuery({ format: 'kutt' }), { query: 'format=kutt' });
  assert.deepEqual(importQuery({ format: 'bitly', domain: ' Bit.ly ', dryRun: true }),
    { query: 'format=bitly&domain=bit.ly&dry_run=true' });
  assert.ok(importQuery({ format: 'excel' }).error);
  assert.ok(importQuery({ format: 'csv', domain: 'https://bit.ly/x' }).error);
  assert.deepEqual(IMPORT_FORMATS.map((f) => f.id), ['csv', 'bitly', 'shlink', 'yourls', 'kutt']);
});

test('summarySentence', () => {
  assert.equal(summarySentence({ imported: 1200, skipped: 3, failed: 0, dry_run: false, failures: [], failures_truncated: false }),
    '1,200 imported, 3 skipped (already there), 0 failed.');
  assert.equal(summarySentence({ imported: 2, skipped: 0, failed: 1, dry_run: true, failures: [], failures_truncated: false }),
    'Dry run: 2 would be imported, 0 skipped (already there), 1 failed.');
});

test('jobProgress: running, done, failed and interrupted background imports', () => {
  assert.deepEqual(jobProgress({ status: 'running', total: 12000, processed: 3000 }),
    { done: false, percent: 25, text: '3,000 of 12,000 rows handled (25%).' });
  assert.deepEqual(jobProgress({ status: 'running', total: 0, processed: 0 }),
    { done: false, percent: 0, text: '0 of 0 rows handled (0%).' });
  assert.equal(jobProgress({ status: 'running', total: 10, processed: 99 }).percent, 100);  // never past the total
  const summary = { imported: 1, skipped: 0, failed: 0, dry_run: false, failures: [], failures_truncated: false };
  assert.deepEqual(jobProgress({ status: 'done', total: 1, processed: 1, summary }), { done: true, summary });
  assert.deepEqual(jobProgress({ status: 'failed', failure: 'The database could not be reached.' }),
    { done: true, error: 'The database could not be reached.' });
  assert.match(jobProgress({ status: 'interrupted', total: 12000, processed: 500 }).error, /after 500 of 12,000 rows/);
});
