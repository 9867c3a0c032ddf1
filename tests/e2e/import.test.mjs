// Imports (issue #15): `shortener import` and POST /api/v1/imports over each sample export in tests/data/import,
// idempotent re-runs, failures with their line, dry runs. Runs on SQLite, and on PostgreSQL in the distributed run
// (the CLI then gets the server's DATABASE_URL).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { api, runCli, startServer } from './support.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const DATA = path.resolve(here, '../data/import');

// Each sample: its format, the domain its short links use (accepted with --domain / ?domain=), and a slug in it.
const SAMPLES = [
  { format: 'csv', file: 'csv.csv', rows: 4, slug: 'spring-sale', url: 'https://example.com/spring' },
  { format: 'bitly', file: 'bitly.json', rows: 2, domain: 'bit.ly', slug: 'acme-launch', url: 'https://example.com/launch' },
  { format: 'shlink', file: 'shlink.csv', rows: 2, domain: 's.example.net', slug: 'promo', url: 'https://example.com/promo', clicks: 128 },
  { format: 'yourls', file: 'yourls.csv', rows: 2, slug: 'yrl1', url: 'https://example.com/yourls/one', clicks: 15 },
  { format: 'kutt', file: 'kutt.json', rows: 2, slug: 'kutt-docs', url: 'https://example.com/docs/api', clicks: 42 },
];

describe('import', () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  // The CLI on the server's own database.
  function cli(args, options = {}) {
    const env = server.databaseUrl ? { DATABASE_URL: server.databaseUrl } : { SHORTENER_DATA_DIR: server.dataDir };
    return runCli(['import', ...args], { env: { SHORTENER_PUBLIC_URL: server.publicUrl, ...env }, timeout: 30_000, ...options });
  }

  function post(query, body) {
    return api(server.base, `/api/v1/imports?${query}`, { method: 'POST', body, headers: { 'content-type': 'text/csv' } });
  }

  for (const s of SAMPLES) {
    test(`CLI imports the ${s.format} sample, and a re-run skips every row`, async () => {
      const domain = s.domain ? ['--domain', s.domain] : [];
      const first = cli(['--format', s.format, path.join(DATA, s.file), ...domain]);
      assert.equal(first.status, 0, first.stderr + first.stdout);
      assert.match(first.stdout, new RegExp(`${s.rows} rows: ${s.rows} imported, 0 skipped`));
      const link = await api(server.base, `/api/v1/links/${s.slug}`);
      assert.equal(link.status, 200);
      assert.equal(link.body.long_url, s.url);
      assert.equal(link.body.imported_clicks, s.clicks ?? 0);
      assert.equal(link.body.clicks, 0, 'imported totals are never clicks');
      // Rows without a slug (one in csv.csv) get a slug derived from owner and URL, so they are skipped too.
      const again = cli(['--format', s.format, path.join(DATA, s.file), ...domain]);
      assert.equal(again.status, 0, again.stderr + again.stdout);
      assert.match(again.stdout, new RegExp(`0 imported, ${s.rows} skipped`));
    });
  }

  test('API imports each sample, re-import skips, the summary is JSON', async () => {
    for (const s of SAMPLES) {
      const body = fs.readFileSync(path.join(DATA, s.file));
      // Other slugs than the CLI's: rename the sample's slug in the text so that both tests stand alone.
      const text = body.toString('utf8').replaceAll(s.slug, `api-${s.slug}`);
      const query = `format=${s.format}${s.domain ? `&domain=${s.domain}` : ''}`;
      const r = await post(query, text);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.failed, 0, r.text);
      assert.equal(r.body.dry_run, false);
      const again = await post(query, text);
      assert.equal(again.status, 200);
      assert.ok(again.body.skipped >= s.rows - 1, `${s.format}: ${again.text}`);
      const link = await api(server.base, `/api/v1/links/api-${s.slug}`);
      assert.equal(link.status, 200, `${s.format}: api-${s.slug}`);
      assert.equal(link.body.imported_clicks, s.clicks ?? 0);
    }
  });

  test('a bad URL, a blocked host, an unknown domain and a taken slug are reported with their lines', async () => {
    const csv = [
      'url,slug,domain',
      'https://ok.example/,bad-rows-ok,',
      'javascript:alert(1),bad-rows-js,',
      'https://bit.ly/x,bad-rows-short,',
      'https://ok.example/2,bad-rows-dom,elsewhere.example',
      'https://other.example/,spring-sale-taken,',
      'https://ok.example/3,<script>,',
    ].join('\r\n');
    await post('format=csv', 'url,slug\nhttps://first.example/,spring-sale-taken\n');
    const r = await post('format=csv', csv);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.imported, 1);
    assert.deepEqual(r.body.failures.map((f) => [f.line, f.code]), [
      [3, 'unsupported_scheme'],
      [4, 'url_shortener'],
      [5, 'unknown_domain'],
      [6, 'slug_taken'],
      [7, 'invalid_slug'],
    ]);
    assert.ok(!r.text.includes('<script>'), 'row text is never echoed');

    const file = path.join(server.dataDir, 'bad.csv');
    fs.writeFileSync(file, csv.replaceAll('bad-rows', 'cli-rows'));
    const c = cli(['--format', 'csv', file]);
    assert.equal(c.status, 1, 'any failed row makes the exit status 1');
    assert.match(c.stdout, /line 3: unsupported_scheme/);
    assert.match(c.stdout, /line 6: slug_taken/);
  });

  test('dry run stores nothing', async () => {
    const csv = 'url,slug\nhttps://dry.example/,dry-run-api\n';
    const r = await post('format=csv&dry_run=true', csv);
    assert.equal(r.status, 200);
    assert.deepEqual([r.body.imported, r.body.dry_run], [1, true]);
    assert.equal((await api(server.base, '/api/v1/links/dry-run-api')).status, 404);

    const file = path.join(server.dataDir, 'dry.csv');
    fs.writeFileSync(file, csv.replace('dry-run-api', 'dry-run-cli'));
    const c = cli(['--format', 'csv', file, '--dry-run']);
    assert.equal(c.status, 0, c.stderr);
    assert.match(c.stdout, /dry run, nothing stored: 1 rows: 1 imported/);
    assert.equal((await api(server.base, '/api/v1/links/dry-run-cli')).status, 404);
  });

  test('a file that is not the format, or a bad query, is one clear error', async () => {
    const notJson = await post('format=kutt', '<html>');
    assert.equal(notJson.status, 400);
    assert.equal(notJson.body.error.code, 'invalid_request');
    const noFormat = await post('format=excel', 'x');
    assert.equal(noFormat.status, 400);
    assert.equal(noFormat.body.error.code, 'invalid_query');
    assert.ok(!noFormat.text.includes('excel'));
    const usage = cli(['--format', 'excel', 'x.csv']);
    assert.equal(usage.status, 2);
  });

  test('the API takes files over the ordinary 64 KiB body limit, up to SHORTENER_IMPORT_MAX_BYTES', async () => {
    const rows = Array.from({ length: 1500 }, (_, i) => `https://example.com/large-import/${'p'.repeat(40)}/${i},big-${i}`);
    const file = ['url,slug', ...rows].join('\n');
    assert.ok(file.length > 64 * 1024);
    const r = await post('format=csv', file);
    assert.equal(r.status, 200, r.text.slice(0, 300));
    assert.equal(r.body.imported, 1500);
    const small = await startServer({ env: { SHORTENER_IMPORT_MAX_BYTES: '65536' } });
    try {
      const refused = await api(small.base, '/api/v1/imports?format=csv', { method: 'POST', body: file });
      assert.equal(refused.status, 413);
      assert.equal(refused.body.error.code, 'payload_too_large');
    } finally {
      await small.stop();
    }
  });

  test('a large file is imported in the background: 202, progress at GET /api/v1/imports/{id}, then the summary', async () => {
    const rows = Array.from({ length: 6000 }, (_, i) => `https://example.com/job/${i},job-${i}`);
    rows[10] = 'not a url,job-bad';
    const file = ['url,slug', ...rows].join('\n');
    const started = await post('format=csv', file);
    assert.equal(started.status, 202, started.text.slice(0, 300));
    assert.match(started.body.id, /^[0-9a-f]{32}$/);
    assert.equal(started.headers.get('location'), `/api/v1/imports/${started.body.id}`);
    assert.equal(started.body.status, 'running');
    assert.equal(started.body.total, 6000);
    let job;
    for (let i = 0; i < 300; i++) {
      job = await api(server.base, `/api/v1/imports/${started.body.id}`);
      assert.equal(job.status, 200);
      assert.ok(job.body.processed >= 0 && job.body.processed <= 6000);
      if (job.body.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(job.body.status, 'done', JSON.stringify(job.body).slice(0, 300));
    assert.equal(job.body.processed, 6000);
    assert.equal(job.body.summary.imported, 5999);
    assert.equal(job.body.summary.failed, 1);
    assert.equal(job.body.summary.failures[0].line, 12);
    const link = await api(server.base, '/api/v1/links/job-5999');
    assert.equal(link.status, 200);
    // Again in the background on request, whatever the size: every row is skipped now.
    const again = await post('format=csv&background=true', file.split('\n').slice(0, 4).join('\n'));
    assert.equal(again.status, 202);
    for (let i = 0; i < 100; i++) {
      job = await api(server.base, `/api/v1/imports/${again.body.id}`);
      if (job.body.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.deepEqual([job.body.status, job.body.summary.skipped, job.body.summary.imported], ['done', 3, 0]);
  });

  test('rows without a slug are imported once, however often the file is imported', async () => {
    const file = 'url,title\nhttps://example.com/noslug/1,One\nhttps://example.com/noslug/2,Two\nhttps://example.com/noslug/1,Again\n';
    const first = await post('format=csv', file);
    assert.deepEqual([first.status, first.body.imported, first.body.skipped, first.body.failed], [200, 2, 1, 0]);
    const again = await post('format=csv', file);
    assert.deepEqual([again.body.imported, again.body.skipped], [0, 3]);
    const dry = await post('format=csv&dry_run=true', file);
    assert.deepEqual([dry.body.imported, dry.body.skipped], [0, 3]);
  });

  test('import jobs: unknown or malformed ids are 404, a bad background flag is 400', async () => {
    for (const id of ['0123456789abcdef0123456789abcdef', 'x', `${'a'.repeat(32)}%3Cscript%3E`]) {
      const r = await api(server.base, `/api/v1/imports/${id}`);
      assert.equal(r.status, 404);
      assert.equal(r.body.error.code, 'not_found');
      assert.ok(!r.text.includes('script'));
    }
    const bad = await post('format=csv&background=maybe', 'url\nhttps://example.com/');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'invalid_query');
  });

  test('export → import round trip: the links export of one server imports into another as the same links', async () => {
    const links = [
      { url: 'https://example.com/round/1', slug: '-round-trip', tags: ['-minus', 'a,b'], max_clicks: 5 },
      { url: 'https://example.com/round/2?q="x"&y=1', slug: 'round_trip2', expires_at: '2099-01-01T00:00:00Z' },
    ];
    for (const l of links) assert.equal((await api(server.base, '/api/v1/links', { method: 'POST', json: l })).status, 201);
    const exported = await api(server.base, '/api/v1/links/export?format=csv');
    assert.equal(exported.status, 200);
    const other = await startServer();
    try {
      const r = await api(other.base, '/api/v1/imports?format=csv&background=false', { method: 'POST', body: exported.text,
        headers: { 'content-type': 'text/csv' } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.failed, 0, r.text);
      for (const l of links) {
        const [a, b] = await Promise.all([server, other].map((s) => api(s.base, `/api/v1/links/${l.slug}`)));
        assert.equal(b.status, 200, l.slug);
        for (const k of ['long_url', 'tags', 'max_clicks', 'expires_at', 'created_at']) assert.deepEqual(b.body[k], a.body[k], k);
      }
      const again = await api(other.base, '/api/v1/imports?format=csv&background=false', { method: 'POST', body: exported.text,
        headers: { 'content-type': 'text/csv' } });
      assert.equal(again.body.imported, 0, again.text);
    } finally {
      await other.stop();
    }
  });

  test('stats totals carry the imported total apart from clicks', async () => {
    const r = await api(server.base, '/api/v1/links/yrl1/stats');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.totals.imported_clicks, 15);
    assert.equal(r.body.totals.clicks, 0);
  });
});
