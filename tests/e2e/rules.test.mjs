// Redirect rules and A/B splits (issue #17) on the real binary, in both modes (SHORTENER_E2E_DISTRIBUTED=1): rules
// by country (X-Forwarded-For through a trusted proxy, the MaxMind test database), device (User-Agent), language
// (Accept-Language with q-values), query parameters and time window, first match wins; a split sticky per visitor;
// validation errors naming the bad rule; and the destinations breakdown in the link's stats.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { api, clicksOf, createLink, follow, startServer, waitFor } from './support.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const GEOIP_DB = path.resolve(here, '../../../shared/testdata/maxmind/test-data/GeoIP2-City-Test.mmdb');
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36';
const DESKTOP = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36';
const GB = '81.2.69.142';  // GeoIP2-City-Test: United Kingdom
const SE = '89.160.20.112';  // Sweden

describe('redirect rules and splits', () => {
  let server;
  before(async () => {
    assert.ok(fs.existsSync(GEOIP_DB), `the MaxMind test database is missing: ${GEOIP_DB}`);
    // Loopback is the trusted proxy, so X-Forwarded-For places the visitor.
    server = await startServer({ env: { SHORTENER_TRUSTED_PROXIES: '127.0.0.1/32', SHORTENER_GEOIP_DB: GEOIP_DB } });
  });
  after(() => server.stop());

  const go = async (slug, { ua = DESKTOP, ip = '192.0.2.10', lang = 'en', query = '' } = {}) => {
    const r = await follow(server.base, `${slug}${query}`, {
      headers: { 'user-agent': ua, 'x-forwarded-for': ip, 'accept-language': lang },
    });
    assert.equal(r.status, 302, r.text);
    return r.location;
  };

  test('conditions: country, device, language, query, time window; first match wins; GET shows the rules', async () => {
    const past = new Date(Date.now() - 3_600_000).toISOString();
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const rules = [
      { if: { query: { ref: 'tw' } }, url: 'https://example.com/twitter' },
      { if: { country: ['SE'], device: ['ios'] }, url: 'https://example.se/ios' },
      { if: { country: ['gb', 'DE'] }, url: 'https://example.co.uk/' },
      { if: { device: ['android'] }, url: 'https://example.com/android' },
      { if: { language: ['de'] }, url: 'https://example.de/' },
      { if: { after: future }, url: 'https://example.com/later' },
      { if: { after: past, before: future, device: ['desktop'], language: ['fr'] }, url: 'https://example.fr/now' },
    ];
    const created = await createLink(server.base, { url: 'https://example.com/default', rules });
    assert.equal(created.status, 201, created.text);
    const slug = created.body.slug;
    assert.equal(created.body.rules.length, rules.length);
    assert.deepEqual(created.body.rules[2].if.country, ['GB', 'DE']);
    assert.equal(created.body.split, null);
    const got = await api(server.base, `/api/v1/links/${slug}`);
    assert.deepEqual(got.body.rules, created.body.rules);

    assert.equal(await go(slug, { query: '?ref=tw', ip: GB }), 'https://example.com/twitter');  // first match wins
    assert.equal(await go(slug, { ip: SE, ua: IPHONE }), 'https://example.se/ios');
    assert.equal(await go(slug, { ip: SE, ua: ANDROID }), 'https://example.com/android');
    assert.equal(await go(slug, { ip: GB }), 'https://example.co.uk/');
    assert.equal(await go(slug, { ua: ANDROID }), 'https://example.com/android');
    assert.equal(await go(slug, { lang: 'de-AT,en;q=0.5' }), 'https://example.de/');
    assert.equal(await go(slug, { lang: 'en-US,de;q=0.9' }), 'https://example.com/default');  // q-values count
    assert.equal(await go(slug, { lang: 'fr-FR' }), 'https://example.fr/now');
    assert.equal(await go(slug, { lang: 'fr-FR', ua: IPHONE }), 'https://example.com/default');
    assert.equal(await go(slug, { query: '?ref=fb' }), 'https://example.com/default');

    // PATCH replaces the rules; [] removes them.
    const patched = await api(server.base, `/api/v1/links/${slug}`, {
      method: 'PATCH', json: { rules: [{ if: { query: { ref: 'fb' } }, url: 'https://example.com/facebook' }] },
    });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(await go(slug, { query: '?ref=fb' }), 'https://example.com/facebook');
    assert.equal(await go(slug, { ip: GB }), 'https://example.com/default');
    const cleared = await api(server.base, `/api/v1/links/${slug}`, { method: 'PATCH', json: { rules: [] } });
    assert.deepEqual(cleared.body.rules, []);
    assert.equal(await go(slug, { query: '?ref=fb' }), 'https://example.com/default');
  });

  test('split: weighted, sticky per visitor; rules before the split; legacy targeting after the rules', async () => {
    const created = await createLink(server.base, {
      url: 'https://example.com/base',
      rules: [{ if: { query: { v: 'x' } }, url: 'https://example.com/rule' }],
      split: [{ url: 'https://example.com/a', weight: 50 }, { url: 'https://example.com/b', weight: 50 }],
      targeting: { ios: 'https://apps.example/ios' },
    });
    assert.equal(created.status, 201, created.text);
    const slug = created.body.slug;
    assert.deepEqual(created.body.split, [{ url: 'https://example.com/a', weight: 50 }, { url: 'https://example.com/b', weight: 50 }]);
    assert.equal(created.body.targeting.ios, 'https://apps.example/ios');  // still accepted and shown
    assert.equal(await go(slug, { query: '?v=x', ua: IPHONE }), 'https://example.com/rule');
    assert.equal(await go(slug, { ua: IPHONE }), 'https://apps.example/ios');

    const seen = { 'https://example.com/a': 0, 'https://example.com/b': 0 };
    for (let i = 0; i < 60; i++) {
      const ip = `198.51.100.${i + 1}`;
      const first = await go(slug, { ip });
      assert.ok(first in seen, first);
      seen[first]++;
      for (let again = 0; again < 2; again++) assert.equal(await go(slug, { ip }), first, `visitor ${ip} is not sticky`);
    }
    assert.ok(seen['https://example.com/a'] >= 15 && seen['https://example.com/b'] >= 15, JSON.stringify(seen));
  });

  test('invalid rules and splits: 400 naming the bad entry, never echoing it', async () => {
    const url = 'https://example.com/';
    const cases = [
      [{ rules: [{ if: { country: ['DE'] }, url }, { if: { country: ['XX'] }, url }] }, 'invalid_rules', 'rules[1]'],
      [{ rules: [{ if: { device: ['toaster'] }, url }] }, 'invalid_rules', 'rules[0]'],
      [{ rules: [{ if: { language: ['<script>'] }, url }] }, 'invalid_rules', 'rules[0]'],
      [{ rules: [{ if: { after: 'yesterday' }, url }] }, 'invalid_rules', 'rules[0]'],
      [{ rules: [{ if: { after: '2030-01-02T00:00:00Z', before: '2030-01-01T00:00:00Z' }, url }] }, 'invalid_rules', 'rules[0]'],
      [{ rules: [{ if: { weather: 'sunny' }, url }] }, 'invalid_rules', 'rules[0]'],
      [{ rules: [{ if: {}, url }] }, 'invalid_rules', 'rules[0]'],
      [{ rules: [{ if: { query: { ref: 1 } }, url }] }, 'invalid_rules', 'rules[0]'],
      [{ rules: [{ if: { country: ['DE'] } }] }, 'invalid_rules', 'rules[0]'],
      [{ rules: [{ if: { country: ['DE'] }, url, extra: 1 }] }, 'invalid_rules', 'rules[0]'],
      [{ rules: Array.from({ length: 26 }, () => ({ if: { country: ['DE'] }, url })) }, 'invalid_rules', 'at most 25'],
      [{ rules: 'all' }, 'invalid_rules', 'rules'],
      [{ rules: [{ if: { country: ['DE'] }, url }, { if: { country: ['FR'] }, url: 'javascript:alert(1)' }] }, null, 'rules[1].url'],
      [{ split: [{ url, weight: 1 }, { url, weight: 0 }] }, 'invalid_split', 'split[1]'],
      [{ split: [{ url, weight: 1 }, { url, weight: 1.5 }] }, 'invalid_split', 'split[1]'],
      [{ split: [{ url, weight: 1 }] }, 'invalid_split', 'at least 2'],
      [{ split: Array.from({ length: 11 }, () => ({ url, weight: 1 })) }, 'invalid_split', 'at most 10'],
      [{ split: [{ url, weight: 1 }, { url: 'ftp://example.com/', weight: 1 }] }, null, 'split[1].url'],
    ];
    for (const [fields, code, where] of cases) {
      const r = await createLink(server.base, { url, ...fields });
      assert.equal(r.status, 400, `${JSON.stringify(fields).slice(0, 120)}: ${r.text}`);
      if (code) assert.equal(r.body.error.code, code, r.text);
      assert.ok(r.body.error.message.includes(where), `${where} not in ${r.body.error.message}`);
      assert.ok(!r.text.includes('<script>') && !r.text.includes('sunny') && !r.text.includes('toaster'), r.text);
    }
    // PATCH checks the same way.
    const link = (await createLink(server.base, { url })).body;
    const r = await api(server.base, `/api/v1/links/${link.slug}`, {
      method: 'PATCH', json: { rules: [{ if: { country: ['DE'] }, url }, { if: { device: [] }, url }] },
    });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'invalid_rules');
    assert.match(r.body.error.message, /rules\[1\]/);
  });

  test('stats: the destinations breakdown, each variant with clicks and unique visitors', async () => {
    const created = await createLink(server.base, {
      url: 'https://example.com/base',
      rules: [{ if: { query: { ref: 'tw' } }, url: 'https://example.com/twitter' }],
      split: [{ url: 'https://example.com/a', weight: 1 }, { url: 'https://example.com/b', weight: 1 }],
    });
    const slug = created.body.slug;
    const expected = {};
    let clicks = 0;
    for (let i = 0; i < 12; i++) {
      const ip = `203.0.113.${i + 1}`;
      for (let again = 0; again < 2; again++) {
        const location = await go(slug, { ip });
        expected[location] ??= { clicks: 0, visitors: new Set() };
        expected[location].clicks++;
        expected[location].visitors.add(ip);
        clicks++;
      }
    }
    await go(slug, { query: '?ref=tw' });
    clicks++;
    await waitFor(async () => (await clicksOf(server.base, slug)) === clicks, 10_000, 'clicks stored');
    const stats = await api(server.base, `/api/v1/links/${slug}/stats?interval=day`);
    assert.equal(stats.status, 200, stats.text);
    const destinations = stats.body.destinations;
    assert.ok(Array.isArray(destinations), stats.text);
    const rule = destinations.find((d) => d.route === 'rule:0');
    assert.deepEqual([rule.key, rule.clicks, rule.unique_visitors], ['https://example.com/twitter', 1, 1]);
    for (const [url, want] of Object.entries(expected)) {
      const row = destinations.find((d) => d.key === url);
      assert.ok(row, `${url} missing in ${JSON.stringify(destinations)}`);
      assert.match(row.route, /^variant:[01]$/);
      assert.equal(row.clicks, want.clicks);
      assert.equal(row.unique_visitors, want.visitors.size);
    }
    // A plain link has no destinations.
    const plain = (await createLink(server.base, { url: 'https://example.com/plain' })).body;
    await go(plain.slug);
    await waitFor(async () => (await clicksOf(server.base, plain.slug)) === 1, 10_000, 'plain click stored');
    assert.deepEqual((await api(server.base, `/api/v1/links/${plain.slug}/stats?interval=day`)).body.destinations, []);
  });
});
