import test from 'node:test';
import assert from 'node:assert/strict';
import { IMPORT_FORMATS, importQuery, summarySentence } from '../../lib/importer.mjs';

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
