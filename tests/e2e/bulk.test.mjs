// Issue #15, first part: POST /api/v1/links/bulk, the Idempotency-Key header on the create endpoints, and
// GET /api/v1/links/export (CSV and NDJSON). Runs in both modes (e2e and e2e_distributed).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { BIN, DISTRIBUTED, api, createLink, distributedEnv, makeDataDir, startServer } from './support.mjs';

const bulk = (base, items, headers = {}) =>
  api(base, '/api/v1/links/bulk', { method: 'POST', json: items, headers });

describe('bulk create (auth mode none)', () => {
  let server;
  before(async () => {
    const dir = makeDataDir();
    const blocklist = path.join(dir, 'blocklist.txt');
    fs.writeFileSync(blocklist, 'evil.example\n');
    server = await startServer({ dataDir: dir, env: { SHORTENER_BLOCKLIST_FILE: blocklist } });
  });
  after(() => server?.stop());

  test('mixed good and bad items: each succeeds or fails on its own, in input order', async () => {
    assert.equal((await createLink(server.base, { url: 'https://example.com/', slug: 'already-here' })).status, 201);
    const r = await bulk(server.base, [
      { url: 'https://example.com/one', tags: ['t1'], slug: 'bulk-one' },
      { url: 'https://exa mple.com/' },
      { url: 'https://example.com/taken', slug: 'already-here' },
      { url: 'https://example.com/two' },
      { url: 'https://example.com/dup', slug: 'bulk-one' },
      { url: 'https://evil.example/x' },
      'not an object',
      { url: 'https://example.com/unknown', colour: 'red' },
      { url: 'javascript:alert(1)' },
    ]);
    assert.equal(r.status, 200, r.text);
    const results = r.body.results;
    assert.deepEqual(results.map((x) => [x.index, x.status]),
      [[0, 201], [1, 400], [2, 409], [3, 201], [4, 409], [5, 400], [6, 400], [7, 400], [8, 400]]);
    assert.equal(results[0].link.slug, 'bulk-one');
    assert.deepEqual(results[0].link.tags, ['t1']);
    assert.equal(results[0].link.long_url, 'https://example.com/one');
    assert.match(results[0].link.short_url, /\/bulk-one$/);
    assert.equal(results[1].error.code, 'url_whitespace');
    assert.equal(results[2].error.code, 'slug_taken');
    assert.equal(results[4].error.code, 'slug_taken');
    assert.equal(results[5].error.code, 'url_blocked');
    assert.equal(results[6].error.code, 'invalid_request');
    assert.equal(results[7].error.code, 'invalid_request');
    assert.equal(results[8].error.code, 'unsupported_scheme');
    for (const x of results.filter((x) => x.status !== 201)) assert.ok(x.error.message.length > 0);
    assert.match(results[3].link.slug, /^[A-Za-z0-9_-]{6}$/);
    // Stored and redirecting; the failed ones are not.
    const one = await api(server.base, '/bulk-one');
    assert.equal(one.status, 302);
    assert.equal(one.headers.get('location'), 'https://example.com/one');
    assert.equal((await api(server.base, `/${results[3].link.slug}`)).status, 302);
    assert.equal((await api(server.base, '/api/v1/links/already-here')).body.long_url, 'https://example.com/');
  });

  test('1,000 items are created; 1,001 and a non-array body are refused', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ url: `https://example.com/page/${i}?ref=bulk`, tags: ['k'] }));
    const r = await bulk(server.base, items);
    assert.equal(r.status, 200, r.text.slice(0, 300));
    assert.equal(r.body.results.length, 1000);
    assert.ok(r.body.results.every((x, i) => x.index === i && x.status === 201));
    assert.equal(new Set(r.body.results.map((x) => x.link.slug)).size, 1000);
    const last = r.body.results[999].link;
    assert.equal((await api(server.base, `/api/v1/links/${last.slug}`)).body.long_url, 'https://example.com/page/999?ref=bulk');

    const over = await bulk(server.base, [...items, { url: 'https://example.com/1001' }]);
    assert.equal(over.status, 400, over.text);
    assert.equal(over.body.error.code, 'invalid_request');
    const notArray = await bulk(server.base, { url: 'https://example.com/' });
    assert.equal(notArray.status, 400);
    assert.equal(notArray.body.error.code, 'invalid_request');
    const notJson = await api(server.base, '/api/v1/links/bulk', { method: 'POST', body: '[{', headers: { 'content-type': 'application/json' } });
    assert.equal(notJson.body.error.code, 'invalid_json');
    const empty = await bulk(server.base, []);
    assert.deepEqual(empty.body, { results: [] });
  });

  test('a body over the ordinary 64 KiB limit is accepted on the bulk route only', async () => {
    const items = Array.from({ length: 400 }, (_, i) => ({ url: `https://example.com/${'x'.repeat(200)}/${i}` }));
    assert.ok(JSON.stringify(items).length > 64 * 1024);
    const r = await bulk(server.base, items);
    assert.equal(r.status, 200, r.text.slice(0, 300));
    const big = await api(server.base, '/api/v1/links', { method: 'POST', json: { url: `https://example.com/?q=${'y'.repeat(70_000)}` } });
    assert.equal(big.status, 413);
  });

  test('Idempotency-Key: a retry returns the first answer and creates nothing new', async () => {
    const key = { 'idempotency-key': 'retry-1' };
    const first = await createLink(server.base, { url: 'https://example.com/idem' });
    assert.equal(first.status, 201);
    const a = await api(server.base, '/api/v1/links', { method: 'POST', json: { url: 'https://example.com/idem-key' }, headers: key });
    assert.equal(a.status, 201, a.text);
    const b = await api(server.base, '/api/v1/links', { method: 'POST', json: { url: 'https://example.com/idem-key' }, headers: key });
    assert.equal(b.status, 201);
    assert.equal(b.text, a.text);
    assert.equal(b.headers.get('location'), a.headers.get('location'));
    assert.equal(b.headers.get('idempotent-replayed'), 'true');
    const list = await api(server.base, '/api/v1/links?q=idem-key');
    assert.equal(list.body.items.length, 1);

    const other = await api(server.base, '/api/v1/links', { method: 'POST', json: { url: 'https://example.com/other' }, headers: key });
    assert.equal(other.status, 422, other.text);
    assert.equal(other.body.error.code, 'idempotency_key_reused');

    // The seed's endpoint and the bulk one take keys too; a failed answer (4xx) is kept as well.
    const s1 = await api(server.base, '/api/shorten', { method: 'POST', json: { url: 'https://example.com/s' }, headers: { 'idempotency-key': 's-1' } });
    const s2 = await api(server.base, '/api/shorten', { method: 'POST', json: { url: 'https://example.com/s' }, headers: { 'idempotency-key': 's-1' } });
    assert.equal(s1.status, 201);
    assert.deepEqual(s2.body, s1.body);
    const items = [{ url: 'https://example.com/b1' }, { url: 'bad' }];
    const b1 = await bulk(server.base, items, { 'idempotency-key': 'bulk-1' });
    const b2 = await bulk(server.base, items, { 'idempotency-key': 'bulk-1' });
    assert.equal(b1.status, 200);
    assert.equal(b2.text, b1.text);
    assert.equal((await api(server.base, '/api/v1/links?q=example.com/b1')).body.items.length, 1);
  });

  test('Idempotency-Key: concurrent requests with one key create once', async () => {
    const send = () => api(server.base, '/api/v1/links', {
      method: 'POST', json: { url: 'https://example.com/concurrent', tags: ['race'] }, headers: { 'idempotency-key': 'race-key' },
    });
    const answers = await Promise.all(Array.from({ length: 10 }, send));
    const created = answers.filter((r) => r.status === 201);
    assert.ok(created.length >= 1, answers.map((r) => r.status).join(','));
    assert.ok(answers.every((r) => r.status === 201 || r.status === 409), answers.map((r) => r.status).join(','));
    assert.equal(new Set(created.map((r) => r.body.slug)).size, 1);
    const list = await api(server.base, '/api/v1/links?tag=race');
    assert.equal(list.body.items.length, 1);

    const bulkAnswers = await Promise.all(Array.from({ length: 5 }, () =>
      bulk(server.base, [{ url: 'https://example.com/bulk-race', tags: ['brace'] }], { 'idempotency-key': 'bulk-race' })));
    assert.ok(bulkAnswers.every((r) => r.status === 200 || r.status === 409));
    assert.equal((await api(server.base, '/api/v1/links?tag=brace')).body.items.length, 1);
  });

  test('Idempotency-Key: too long, control characters or repeated → 400, nothing echoed', async () => {
    for (const value of ['k'.repeat(256), 'a\tb', '']) {
      const r = await api(server.base, '/api/v1/links', { method: 'POST', json: { url: 'https://example.com/k' }, headers: { 'idempotency-key': value } });
      assert.equal(r.status, 400, `${JSON.stringify(value)}: ${r.text}`);
      assert.equal(r.body.error.code, 'invalid_idempotency_key');
      if (value) assert.ok(!r.text.includes(value));
    }
    const ok = await api(server.base, '/api/v1/links', { method: 'POST', json: { url: 'https://example.com/k' }, headers: { 'idempotency-key': 'k'.repeat(255) } });
    assert.equal(ok.status, 201);
  });
});

// The `shortener` CLI against the server's store (SQLite data dir, or its PostgreSQL database).
function cli(dataDir, args, input) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('SHORTENER_') && k !== 'DATABASE_URL' && k !== 'REDIS_URL') env[k] = v;
  }
  Object.assign(env, { SHORTENER_DATA_DIR: dataDir, SHORTENER_AUTH: 'required' });
  if (DISTRIBUTED) Object.assign(env, distributedEnv(dataDir));
  const r = spawnSync(BIN, args, { env, input, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, `shortener ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

// A minimal RFC 4180 reader: rows of cells.
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; ++i) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; ++i; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; ++i; }
    else cell += c;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

describe('export and bulk with accounts (SHORTENER_AUTH=required)', () => {
  let server;
  const auth = {};
  before(async () => {
    const dataDir = makeDataDir();
    cli(dataDir, ['migrate']);
    auth.admin = { authorization: `Bearer ${cli(dataDir, ['keys', 'create', '--name', 'ops', '--scopes', 'admin'])}` };
    for (const who of ['alice', 'bob']) {
      cli(dataDir, ['users', 'create', '--email', `${who}@example.com`, '--password-stdin'], `${who}-password-1\n`);
      const key = cli(dataDir, ['keys', 'create', '--user', `${who}@example.com`, '--name', who, '--scopes', 'links:write links:read']);
      auth[who] = { authorization: `Bearer ${key}` };
    }
    server = await startServer({ dataDir, env: { SHORTENER_AUTH: 'required', SHORTENER_ANONYMOUS_SHORTENING: 'on' } });
  });
  after(() => server?.stop());

  test('export: CSV and NDJSON hold the caller\'s links only; an admin gets every link', async () => {
    const created = await bulk(server.base, [
      { url: 'https://example.com/a?x=1,2', slug: 'alice-1', tags: ['red', 'blue'], max_clicks: 5, expires_at: '2099-01-01T00:00:00Z', password: 'secret-pw' },
      { url: 'https://example.com/b', slug: 'alice-2', tags: ['=cmd|calc'] },
    ], auth.alice);
    assert.equal(created.status, 200, created.text);
    assert.deepEqual(created.body.results.map((x) => x.status), [201, 201]);
    assert.equal((await bulk(server.base, [{ url: 'https://example.com/bob', slug: 'bob-1' }], auth.bob)).body.results[0].status, 201);

    const csv = await fetch(`${server.base}/api/v1/links/export?format=csv`, { headers: auth.alice });
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type'), /^text\/csv/);
    assert.match(csv.headers.get('content-disposition'), /attachment/);
    const rows = parseCsv(await csv.text());
    assert.deepEqual(rows[0], ['url', 'slug', 'domain', 'title', 'tags', 'created_at', 'expires_at', 'max_clicks', 'password']);
    assert.equal(rows.length, 3);
    const bySlug = Object.fromEntries(rows.slice(1).map((r) => [r[1], r]));
    assert.deepEqual(Object.keys(bySlug).sort(), ['alice-1', 'alice-2']);
    const a1 = bySlug['alice-1'];
    assert.equal(a1[0], 'https://example.com/a?x=1,2');
    assert.equal(a1[2], '');
    assert.equal(a1[3], '');
    assert.equal(a1[4], 'red|blue');
    assert.match(a1[5], /^\d{4}-\d\d-\d\dT/);
    assert.equal(a1[6], '2099-01-01T00:00:00.000Z');
    assert.equal(a1[7], '5');
    assert.equal(a1[8], '');  // never the hash
    assert.equal(bySlug['alice-2'][4], "'=cmd|calc");  // a formula is neutralised as in the click export

    const nd = await fetch(`${server.base}/api/v1/links/export?format=ndjson`, { headers: auth.alice });
    assert.equal(nd.status, 200);
    const lines = (await nd.text()).trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => l.slug).sort(), ['alice-1', 'alice-2']);
    const single = await api(server.base, '/api/v1/links/alice-1', { headers: auth.alice });
    assert.deepEqual(lines.find((l) => l.slug === 'alice-1'), single.body);

    const adminRows = parseCsv(await (await fetch(`${server.base}/api/v1/links/export`, { headers: auth.admin })).text());
    const adminSlugs = adminRows.slice(1).map((r) => r[1]);
    for (const slug of ['alice-1', 'alice-2', 'bob-1']) assert.ok(adminSlugs.includes(slug), slug);

    assert.equal((await api(server.base, '/api/v1/links/export')).status, 401);
    const bad = await api(server.base, '/api/v1/links/export?format=xml', { headers: auth.alice });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'invalid_query');
  });

  test('export pages through many links', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => ({ url: `https://example.com/many/${i}` }));
    assert.equal((await bulk(server.base, items, auth.bob)).status, 200);
    const lines = (await (await fetch(`${server.base}/api/v1/links/export?format=ndjson`, { headers: auth.bob })).text()).trim().split('\n');
    assert.equal(lines.length, 1001);
    assert.equal(new Set(lines.map((l) => JSON.parse(l).slug)).size, 1001);
  });

  test('bulk needs a credential even with anonymous shortening on; keys are per caller', async () => {
    const anon = await bulk(server.base, [{ url: 'https://example.com/anon' }]);
    assert.equal(anon.status, 401);
    assert.equal((await createLink(server.base, { url: 'https://example.com/anon' })).status, 201);

    const body = [{ url: 'https://example.com/per-caller' }];
    const a = await bulk(server.base, body, { ...auth.alice, 'idempotency-key': 'shared' });
    const b = await bulk(server.base, body, { ...auth.bob, 'idempotency-key': 'shared' });
    assert.equal(a.body.results[0].status, 201);
    assert.equal(b.body.results[0].status, 201);
    assert.notEqual(a.body.results[0].link.slug, b.body.results[0].link.slug);
  });
});
