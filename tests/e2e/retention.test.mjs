// Retention and erasure of raw clicks (issue #17): DELETE /api/v1/links/{slug}/clicks?before= erases a link's clicks
// and the counts of those days; SHORTENER_CLICK_RETENTION_DAYS makes the click worker delete raw clicks older than
// that while every count stays. Both stores (embedded SQLite; distributed PostgreSQL + worker).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { AS_BROWSER, DISTRIBUTED, api, clicksOf, createLink, follow, makeDataDir, runCli, startServer, waitFor } from './support.mjs';

const DAY = 86_400_000;
const utcDay = (ms) => new Date(ms - (ms % DAY)).toISOString().slice(0, 10);

async function clickTwice(base, url) {
  const slug = (await createLink(base, { url })).body.slug;
  await follow(base, slug, AS_BROWSER);
  await follow(base, slug, AS_BROWSER);
  await waitFor(async () => (await clicksOf(base, slug)) === 2, 5000, 'clicks stored');
  return slug;
}

const exported = async (base, slug) =>
  (await api(base, `/api/v1/links/${slug}/clicks?format=ndjson`)).text.split('\n').filter((l) => l).length;

describe('erasing a link\'s clicks', () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  test('before tomorrow erases every click and its counts; other links keep theirs', async () => {
    const slug = await clickTwice(server.base, 'https://example.com/erase-me');
    const bystander = await clickTwice(server.base, 'https://example.com/keep-me');
    const r = await api(server.base, `/api/v1/links/${slug}/clicks?before=${utcDay(Date.now() + DAY)}`, { method: 'DELETE' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { slug, before: `${utcDay(Date.now() + DAY)}T00:00:00.000Z`, erased_clicks: 2 });
    assert.equal(await clicksOf(server.base, slug), 0);
    const stats = await api(server.base, `/api/v1/links/${slug}/stats?interval=day&bots=include`);
    assert.equal(stats.body.totals.clicks, 0);
    assert.equal(stats.body.totals.unique_visitors, 0);
    assert.deepEqual(stats.body.countries, []);
    assert.equal(await exported(server.base, slug), 0);
    assert.equal(await clicksOf(server.base, bystander), 2);
    assert.equal(await exported(server.base, bystander), 2);
    // A new click counts again from zero.
    await follow(server.base, slug, AS_BROWSER);
    await waitFor(async () => (await clicksOf(server.base, slug)) === 1, 5000, 'the next click counted');
  });

  test('before today keeps today\'s clicks', async () => {
    const slug = await clickTwice(server.base, 'https://example.com/erase-yesterday');
    const r = await api(server.base, `/api/v1/links/${slug}/clicks?before=${utcDay(Date.now())}`, { method: 'DELETE' });
    assert.equal(r.status, 200);
    assert.equal(r.body.erased_clicks, 0);
    assert.equal(await clicksOf(server.base, slug), 2);
  });

  test('bad requests: no before, not a day start, not a time, unknown link', async () => {
    const slug = (await createLink(server.base, { url: 'https://example.com/erase-errors' })).body.slug;
    for (const q of ['', '?before=', '?before=2026-01-01T12:00:00Z', '?before=yesterday', '?before=%3Cscript%3E']) {
      const r = await api(server.base, `/api/v1/links/${slug}/clicks${q}`, { method: 'DELETE' });
      assert.equal(r.status, 400, q);
      assert.equal(r.body.error.code, 'invalid_query', q);
      assert.ok(!r.text.includes('script'), 'the input is not echoed');
    }
    const unknown = await api(server.base, '/api/v1/links/nosuchlink/clicks?before=2026-01-01', { method: 'DELETE' });
    assert.equal(unknown.status, 404);
  });
});

// Moves a link's raw clicks (and its creation) `days` back, straight in the database, as if they were old.
function backdate(server, slug, days) {
  const shift = days * DAY;
  if (DISTRIBUTED) {
    const sql = `UPDATE clicks SET ts = ts - interval '${days} days' WHERE link_id = (SELECT id FROM links WHERE slug = '${slug}');
                 UPDATE links SET created_at = created_at - interval '${days} days' WHERE slug = '${slug}';`;
    const r = spawnSync('psql', ['-v', 'ON_ERROR_STOP=1', '-q', server.databaseUrl, '-c', sql], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return;
  }
  const sql = `UPDATE clicks SET ts = ts - ${shift} WHERE link_id = (SELECT id FROM links WHERE slug = '${slug}');
               UPDATE links SET created_at = created_at - ${shift} WHERE slug = '${slug}';`;
  const r = spawnSync('sqlite3', [path.join(server.dataDir, 'shortener.db'), sql], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

describe('SHORTENER_CLICK_RETENTION_DAYS', () => {
  test('the click worker deletes raw clicks older than the retention and keeps every count', { timeout: 60_000 }, async () => {
    const dataDir = makeDataDir();
    const proxy = { SHORTENER_TRUSTED_PROXIES: '127.0.0.1/32' };  // X-Forwarded-For tells visitors apart
    let server = await startServer({ dataDir, env: proxy });
    const old = await clickTwice(server.base, 'https://example.com/old-clicks');
    const recent = await clickTwice(server.base, 'https://example.com/recent-clicks');
    // A split link (issue #17): its destinations' unique visitors are rollups too, so they outlive the raw clicks.
    const split = (await createLink(server.base, {
      url: 'https://example.com/split',
      split: [{ url: 'https://example.com/a', weight: 1 }, { url: 'https://example.com/b', weight: 1 }],
    })).body.slug;
    for (let i = 0; i < 6; i++) {
      const headers = { ...AS_BROWSER.headers, 'x-forwarded-for': `198.51.100.${i + 1}` };
      for (let again = 0; again < 2; again++) await follow(server.base, split, { headers });
    }
    await waitFor(async () => (await clicksOf(server.base, split)) === 12, 5000, 'split clicks stored');
    const destinations = async () => (await api(server.base, `/api/v1/links/${split}/stats?interval=day`)).body
      .destinations.map((d) => `${d.route} ${d.key} ${d.clicks} ${d.unique_visitors}`).sort();
    const destinationsBefore = await destinations();
    assert.equal(destinationsBefore.length, 2, JSON.stringify(destinationsBefore));
    await server.stop();
    backdate(server, old, 40);
    backdate(server, split, 40);
    server = await startServer({ dataDir, env: { ...proxy, SHORTENER_CLICK_RETENTION_DAYS: '30' } });
    try {
      await waitFor(async () => (await exported(server.base, old)) === 0, 20_000, 'old raw clicks deleted');
      assert.equal(await clicksOf(server.base, old), 2, 'the link keeps its counts');
      const stats = await api(server.base, `/api/v1/links/${old}/stats?interval=day&bots=include`);
      assert.equal(stats.body.totals.clicks, 2, 'the rollups are kept');
      assert.equal(await exported(server.base, recent), 2, 'recent raw clicks stay');
      await waitFor(async () => (await exported(server.base, split)) === 0, 20_000, 'split raw clicks deleted');
      assert.deepEqual(await destinations(), destinationsBefore, 'destinations keep clicks and unique visitors');
      if (!DISTRIBUTED) {
        const metrics = (await api(server.base, '/metrics')).text;
        assert.match(metrics, /^shortener_clicks_expired_total 14$/m);  // 2 + the split link's 12
      }
    } finally {
      await server.stop();
    }
  });

  test('a bad value is refused at start', () => {
    for (const v of ['0', 'forever', '-3', '36501']) {
      const r = runCli(['serve'], { env: { SHORTENER_CLICK_RETENTION_DAYS: v, SHORTENER_LISTEN: '127.0.0.1:0' } });
      assert.notEqual(r.status, 0, v);
      assert.match(r.stderr, /SHORTENER_CLICK_RETENTION_DAYS/, v);
    }
  });
});
