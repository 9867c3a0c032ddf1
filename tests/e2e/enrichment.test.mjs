// Click enrichment (issue #4) end to end: redirects through a trusted proxy land in the SQLite click store with
// the country, city, browser, OS, device class, bot flag, referrer class, language, UTM and visitor id the
// enricher derives. Geo uses MaxMind's test database from ../shared/testdata (next to the repository).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { createLink, follow, startServer, waitFor } from './support.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const GEOIP_DB = path.resolve(here, '../../../shared/testdata/maxmind/test-data/GeoIP2-City-Test.mmdb');

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) ' +
  'Version/17.1 Mobile/15E148 Safari/604.1';
const WINDOWS_CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

/** Rows of the clicks table, via the sqlite3 CLI (JSON mode), or psql in distributed mode. */
function clickRows(server, slug) {
  if (server.distributed) {
    const quoted = slug.replace(/'/g, "''");
    const sql = "SELECT coalesce(json_agg(to_jsonb(c) || jsonb_build_object('is_bot', c.is_bot::int) " +
      `ORDER BY c.ts, c.event_id), '[]') FROM clicks c JOIN links l ON l.id = c.link_id WHERE l.slug = '${quoted}'`;
    const r = spawnSync('psql', [server.databaseUrl, '-Atc', sql], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
    return JSON.parse(r.stdout);
  }
  const db = path.join(server.dataDir, 'shortener.db');
  const sql =
    'SELECT c.* FROM clicks c JOIN links l ON l.id = c.link_id WHERE l.slug = ' +
    `'${slug.replace(/'/g, "''")}' ORDER BY c.ts, c.event_id`;
  const r = spawnSync('sqlite3', ['-json', '-readonly', db, sql], { encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`sqlite3 failed: ${r.stderr}`);
  return r.stdout.trim() ? JSON.parse(r.stdout) : [];
}

async function rowsAfter(server, slug, n) {
  let rows = [];
  await waitFor(() => (rows = clickRows(server, slug)).length >= n, 10_000, `${n} stored clicks`);
  return rows;
}

describe('click enrichment', { skip: !fs.existsSync(GEOIP_DB) && `no MaxMind test data at ${GEOIP_DB}` }, () => {
  let server;
  before(async () => {
    server = await startServer({
      env: { SHORTENER_TRUSTED_PROXIES: '127.0.0.1/32', SHORTENER_GEOIP_DB: GEOIP_DB },
    });
  });
  after(async () => {
    await server?.stop();
  });

  test('an iPhone click through a trusted proxy: geo, device, referrer, language, UTM, visitor id', async () => {
    const link = (await createLink(server.base, { url: 'https://example.com/enriched' })).body;
    const r = await follow(server.base, `${link.slug}?utm_source=newsletter&utm_medium=email&utm_campaign=launch`, {
      headers: {
        'user-agent': IPHONE,
        'x-forwarded-for': '203.0.113.99, 81.2.69.142',
        referer: 'https://www.Facebook.com/some/post',
        'accept-language': 'de-CH;q=0.8, en-GB, en;q=0.5',
      },
    });
    assert.equal(r.status, 302);
    const [row] = await rowsAfter(server, link.slug, 1);
    assert.equal(row.country, 'GB');
    assert.equal(row.country_name, 'United Kingdom');
    assert.equal(row.region, 'England');
    assert.equal(row.city, 'London');
    assert.equal(row.latitude, 51.5);
    assert.equal(row.longitude, -0.1);
    assert.equal(row.browser, 'Mobile Safari');
    assert.equal(row.os, 'iOS');
    assert.equal(row.device, 'mobile');
    assert.equal(row.is_bot, 0);
    assert.equal(row.referrer_host, 'facebook.com');
    assert.equal(row.referrer_class, 'social');
    assert.equal(row.language, 'en');
    assert.equal(row.utm_source, 'newsletter');
    assert.equal(row.utm_medium, 'email');
    assert.equal(row.utm_campaign, 'launch');
    assert.match(row.visitor_id, /^[0-9a-f]{32}$/);
    // No raw address anywhere in the row.
    assert.ok(!JSON.stringify(row).includes('81.2.69.142'));
    assert.ok(!JSON.stringify(row).includes('203.0.113.99'));
  });

  test('same visitor, same day: same visitor id; another address: another id', async () => {
    const link = (await createLink(server.base, { url: 'https://example.com/visitors' })).body;
    for (const xff of ['89.160.20.112', '89.160.20.112', '216.160.83.56']) {
      await follow(server.base, link.slug, { headers: { 'user-agent': WINDOWS_CHROME, 'x-forwarded-for': xff } });
    }
    const rows = await rowsAfter(server, link.slug, 3);
    const linkoping = rows.filter((r) => r.city === 'Linköping');
    const milton = rows.filter((r) => r.city === 'Milton');
    assert.equal(linkoping.length, 2);
    assert.equal(milton.length, 1);
    assert.equal(linkoping[0].visitor_id, linkoping[1].visitor_id);
    assert.notEqual(linkoping[0].visitor_id, milton[0].visitor_id);
    assert.equal(linkoping[0].country, 'SE');
    assert.equal(milton[0].region, 'Washington');
    for (const row of rows) {
      assert.equal(row.device, 'desktop');
      assert.equal(row.os, 'Windows');
      assert.equal(row.browser, 'Chrome');
      assert.equal(row.referrer_class, 'direct');
    }
  });

  test('bots: link-preview fetchers and HEAD requests are flagged, device "bot"', async () => {
    const link = (await createLink(server.base, { url: 'https://example.com/bots' })).body;
    await follow(server.base, link.slug, {
      headers: { 'user-agent': 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)' },
    });
    await follow(server.base, link.slug, { method: 'HEAD', headers: { 'user-agent': IPHONE } });
    const rows = await rowsAfter(server, link.slug, 2);
    for (const row of rows) {
      assert.equal(row.is_bot, 1);
      assert.equal(row.device, 'bot');
    }
  });

  test('Do-Not-Track: no visitor id and country-level geo (SHORTENER_DNT=anonymize, the default)', async () => {
    const link = (await createLink(server.base, { url: 'https://example.com/dnt' })).body;
    await follow(server.base, link.slug, { headers: { 'user-agent': IPHONE, 'x-forwarded-for': '81.2.69.142', dnt: '1' } });
    const [row] = await rowsAfter(server, link.slug, 1);
    assert.equal(row.country, 'GB');
    assert.equal(row.city, null);
    assert.equal(row.latitude, null);
    assert.equal(row.visitor_id, null);
  });

  test('internal referrers: the shortener\'s own host', async () => {
    const link = (await createLink(server.base, { url: 'https://example.com/internal' })).body;
    await follow(server.base, link.slug, { headers: { 'user-agent': IPHONE, referer: `${server.publicUrl}/app/` } });
    const [row] = await rowsAfter(server, link.slug, 1);
    assert.equal(row.referrer_class, 'internal');
  });
});

describe('visitor ids across a restart', { skip: !fs.existsSync(GEOIP_DB) && 'no MaxMind test data' }, () => {
  test('the daily salt is stored: the same visitor keeps the same id after a restart (same UTC day)', async () => {
    const { makeDataDir } = await import('./support.mjs');
    const dataDir = makeDataDir();
    const env = { SHORTENER_TRUSTED_PROXIES: '127.0.0.1/32', SHORTENER_GEOIP_DB: GEOIP_DB };
    const headers = { 'user-agent': IPHONE, 'x-forwarded-for': '81.2.69.160' };
    let server = await startServer({ env, dataDir });
    const link = (await createLink(server.base, { url: 'https://example.com/restart' })).body;
    await follow(server.base, link.slug, { headers });
    await rowsAfter(server, link.slug, 1);
    const dayBefore = Math.floor(Date.now() / 86_400_000);
    await server.stop();
    server = await startServer({ env, dataDir });
    try {
      await follow(server.base, link.slug, { headers });
      const rows = await rowsAfter(server, link.slug, 2);
      if (Math.floor(Date.now() / 86_400_000) === dayBefore) {
        assert.equal(rows[0].visitor_id, rows[1].visitor_id);
      }
      assert.match(rows[1].visitor_id, /^[0-9a-f]{32}$/);
      const salts = server.distributed
        ? spawnSync('psql', [server.databaseUrl, '-Atc', 'SELECT count(*) FROM visitor_salts'], { encoding: 'utf8' })
        : spawnSync('sqlite3', [path.join(dataDir, 'shortener.db'), 'SELECT count(*) FROM visitor_salts'], {
          encoding: 'utf8',
        });
      assert.ok(['1', '2'].includes(salts.stdout.trim()), salts.stdout + salts.stderr);
    } finally {
      await server.stop();
    }
  });
});

describe('forwarding headers from an untrusted peer', { skip: !fs.existsSync(GEOIP_DB) && 'no MaxMind test data' }, () => {
  let server;
  before(async () => {
    // Only 10.0.0.0/8 is trusted: the loopback test client is not a proxy, so its X-Forwarded-For is ignored.
    server = await startServer({ env: { SHORTENER_TRUSTED_PROXIES: '10.0.0.0/8', SHORTENER_GEOIP_DB: GEOIP_DB } });
  });
  after(async () => {
    await server?.stop();
  });

  test('a forged X-Forwarded-For / Forwarded gains nothing: the click is located from the peer (loopback: unknown)', async () => {
    const link = (await createLink(server.base, { url: 'https://example.com/forged' })).body;
    await follow(server.base, link.slug, {
      headers: { 'user-agent': IPHONE, 'x-forwarded-for': '81.2.69.142', forwarded: 'for=89.160.20.112' },
    });
    const [row] = await rowsAfter(server, link.slug, 1);
    assert.equal(row.country, null);
    assert.equal(row.city, null);
    assert.equal(row.device, 'mobile');
  });

  test('a bad SHORTENER_TRUSTED_PROXIES or SHORTENER_DNT stops startup with exit status 2', async () => {
    const { runCli } = await import('./support.mjs');
    const bad = runCli(['migrate'], { env: { SHORTENER_TRUSTED_PROXIES: '10.0.0.0/8,not-a-cidr' } });
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /SHORTENER_TRUSTED_PROXIES/);
    const dnt = runCli(['migrate'], { env: { SHORTENER_DNT: 'sometimes' } });
    assert.equal(dnt.status, 2, dnt.stderr);
    assert.match(dnt.stderr, /SHORTENER_DNT/);
  });
});
