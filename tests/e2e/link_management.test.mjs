// Link management (issue #7) on the real binary: expiry by date and by clicks (410 or expired_url), disable /
// enable, password-protected links (interstitial form and X-Link-Password), query forwarding, device and
// country targeting, and redirects that no cache may keep. The last block runs two API replicas in
// distributed mode: the click limit holds exactly while both redirect at once, and an edit made on one
// replica is followed by the other within a second.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { servicesAvailable } from './services.mjs';
import { AS_BROWSER, BROWSER_UA, api, createDatabase, createLink, follow, sleep, startServer, waitFor } from './support.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const GEOIP_DB = path.resolve(here, '../../../shared/testdata/maxmind/test-data/GeoIP2-City-Test.mmdb');
const NO_STORE = 'private, no-store, max-age=0';
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36';
const DESKTOP = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36';

/** POST the interstitial form like a browser does. */
function postPassword(base, slug, password, { query = '' } = {}) {
  return fetch(`${base}/${slug}${query}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', 'user-agent': BROWSER_UA },
    body: new URLSearchParams({ password }).toString(),
  });
}

/** `n` GETs of /{slug}, at most `concurrency` in flight, spread over `bases` in turn; resolves the responses. */
async function hammer(bases, slug, n, concurrency) {
  const results = [];
  let next = 0;
  async function lane() {
    for (;;) {
      const i = next++;
      if (i >= n) return;
      const res = await fetch(`${bases[i % bases.length]}/${slug}`, { redirect: 'manual', ...AS_BROWSER });
      await res.arrayBuffer();
      results.push({ status: res.status, location: res.headers.get('location'), cache: res.headers.get('cache-control') });
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  return results;
}

describe('link management', () => {
  let server;
  before(async () => {
    // Loopback is the trusted proxy, so X-Forwarded-For places the visitor for country targeting.
    const env = { SHORTENER_TRUSTED_PROXIES: '127.0.0.1/32' };
    if (fs.existsSync(GEOIP_DB)) env.SHORTENER_GEOIP_DB = GEOIP_DB;
    server = await startServer({ env });
  });
  after(() => server.stop());

  test('expiry by date: 410 afterwards, or a 302 to expired_url', async () => {
    const expires = new Date(Date.now() + 1500).toISOString();
    const plain = await createLink(server.base, { url: 'https://example.com/soon', expires_at: expires, redirect_type: 301 });
    const sent = await createLink(server.base, {
      url: 'https://example.com/soon', expires_at: expires, expired_url: 'https://example.com/expired',
    });
    assert.equal(plain.status, 201, plain.text);
    assert.equal(sent.status, 201, sent.text);
    const before = await follow(server.base, plain.body.slug);
    assert.equal(before.status, 301);
    assert.equal(before.headers.get('cache-control'), NO_STORE, 'an expiring link is never cacheable');
    assert.equal((await follow(server.base, sent.body.slug)).location, 'https://example.com/soon');
    await sleep(Math.max(0, Date.parse(expires) - Date.now()) + 100);
    const gone = await follow(server.base, plain.body.slug);
    assert.equal(gone.status, 410);
    const redirected = await follow(server.base, sent.body.slug);
    assert.equal(redirected.status, 302);
    assert.equal(redirected.location, 'https://example.com/expired');
    assert.equal(redirected.headers.get('cache-control'), NO_STORE);
    // The API still shows both.
    assert.equal((await api(server.base, `/api/v1/links/${sent.body.slug}`)).body.expired_url, 'https://example.com/expired');
  });

  test('expiry by clicks: exactly max_clicks redirects under concurrency, then expired_url or 410', async () => {
    const limited = await createLink(server.base, { url: 'https://example.com/limited', max_clicks: 50, expired_url: 'https://example.com/sold-out' });
    assert.equal(limited.status, 201, limited.text);
    const results = await hammer([server.base], limited.body.slug, 200, 32);
    const toTarget = results.filter((r) => r.status === 302 && r.location === 'https://example.com/limited');
    const toExpired = results.filter((r) => r.status === 302 && r.location === 'https://example.com/sold-out');
    assert.equal(toTarget.length, 50);
    assert.equal(toExpired.length, 150);
    assert.ok(results.every((r) => r.cache === NO_STORE), 'every answer of a limited link is uncacheable');

    const three = (await createLink(server.base, { url: 'https://example.com/three', max_clicks: 3 })).body;
    for (let i = 0; i < 3; ++i) assert.equal((await follow(server.base, three.slug, AS_BROWSER)).status, 302);
    const r = await follow(server.base, three.slug, AS_BROWSER);
    assert.equal(r.status, 410);
    assert.equal(JSON.parse(r.text).error.code, 'gone');
  });

  test('disable and enable: 404 link_disabled while disabled, the API still shows the link', async () => {
    const link = (await createLink(server.base, { url: 'https://example.com/toggle' })).body;
    assert.equal((await follow(server.base, link.slug)).status, 302);
    const off = await api(server.base, `/api/v1/links/${link.slug}`, { method: 'PATCH', json: { disabled: true } });
    assert.equal(off.status, 200, off.text);
    assert.equal(off.body.disabled, true);
    const r = await follow(server.base, link.slug);
    assert.equal(r.status, 404);
    assert.equal(JSON.parse(r.text).error.code, 'link_disabled');
    const html = await follow(server.base, link.slug, { headers: { accept: 'text/html' } });
    assert.equal(html.status, 404);
    assert.match(html.headers.get('content-type'), /text\/html/);
    const shown = await api(server.base, `/api/v1/links/${link.slug}`);
    assert.equal(shown.status, 200);
    assert.equal(shown.body.disabled, true);
    assert.ok((await api(server.base, '/api/v1/links?limit=100')).body.items.some((l) => l.slug === link.slug));
    assert.equal((await api(server.base, `/api/v1/links/${link.slug}`, { method: 'PATCH', json: { disabled: false } })).status, 200);
    assert.equal((await follow(server.base, link.slug)).location, 'https://example.com/toggle');
    // Created disabled.
    const born = (await createLink(server.base, { url: 'https://example.com/later', disabled: true })).body;
    assert.equal(born.disabled, true);
    assert.equal((await follow(server.base, born.slug)).status, 404);
  });

  test('password-protected link: form for browsers, 401 JSON for API clients, the password only in a POST body', async () => {
    const created = await createLink(server.base, { url: 'https://example.com/private?a=1', password: 'correct horse', max_clicks: 2, forward_query: true });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.password_protected, true);
    assert.ok(!created.text.includes('correct horse') && !created.text.includes('argon2'));
    const slug = created.body.slug;

    const json = await follow(server.base, slug);
    assert.equal(json.status, 401);
    assert.equal(JSON.parse(json.text).error.code, 'password_required');

    const page = await follow(server.base, slug, { headers: { accept: 'text/html,application/xhtml+xml' } });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type'), /^text\/html/);
    assert.equal(page.headers.get('cache-control'), NO_STORE);
    const csp = page.headers.get('content-security-policy');
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.match(page.text, new RegExp(`<form method="post" action="/${slug}">`));
    assert.match(page.text, /<label for="password">/);
    assert.doesNotMatch(page.text, /<script|https?:\/\//, 'no script, no external resource, no destination');

    const wrong = await postPassword(server.base, slug, 'wrong');
    assert.equal(wrong.status, 401);
    assert.match(await wrong.text(), /role="alert"/);
    const wrongHeader = await follow(server.base, slug, { headers: { 'x-link-password': 'wrong' } });
    assert.equal(wrongHeader.status, 401);
    assert.equal(JSON.parse(wrongHeader.text).error.code, 'wrong_password');

    // Right: 303 to the destination (the query forwarded), a click counted; wrong attempts used no clicks.
    const right = await postPassword(server.base, slug, 'correct horse', { query: '?utm_source=mail' });
    assert.equal(right.status, 303);
    assert.equal(right.headers.get('location'), 'https://example.com/private?a=1&utm_source=mail');
    assert.equal(right.headers.get('cache-control'), NO_STORE);
    const person = { 'x-link-password': 'correct horse', 'user-agent': BROWSER_UA };
    const viaHeader = await follow(server.base, slug, { headers: person });
    assert.equal(viaHeader.status, 302);
    assert.equal((await follow(server.base, slug, { headers: person })).status, 410);
    await waitFor(async () => (await api(server.base, `/api/v1/links/${slug}`)).body.clicks === 2, 5000, 'two clicks stored');
  });

  test('password guesses are rate limited per client address before any hash is computed', async () => {
    const own = await startServer({ env: { SHORTENER_TRUSTED_PROXIES: '127.0.0.1/32' } });
    try {
      const slug = (await createLink(own.base, { url: 'https://example.com/vault', password: 'open sesame' })).body.slug;
      const from = (ip) => ({ 'x-forwarded-for': ip });
      for (let i = 0; i < 10; i++) {
        const r = await follow(own.base, slug, { headers: { ...from('198.51.100.7'), 'x-link-password': `guess ${i}` } });
        assert.equal(r.status, 401, `guess ${i}`);
      }
      // The 11th try from that address is refused without verifying, even with the right password.
      const json = await follow(own.base, slug, { headers: { ...from('198.51.100.7'), 'x-link-password': 'open sesame' } });
      assert.equal(json.status, 429);
      assert.equal(JSON.parse(json.text).error.code, 'rate_limited');
      assert.ok(Number(json.headers.get('retry-after')) >= 1);
      const form = await fetch(`${own.base}/${slug}`, {
        method: 'POST', redirect: 'manual',
        headers: { ...from('198.51.100.7'), 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        body: 'password=open+sesame',
      });
      assert.equal(form.status, 429);
      assert.ok(Number(form.headers.get('retry-after')) >= 1);
      assert.match(await form.text(), /Too many attempts/);
      // Another visitor is not locked out by someone else's guessing.
      const other = await follow(own.base, slug, { headers: { ...from('203.0.113.50'), 'x-link-password': 'open sesame' } });
      assert.equal(other.status, 302);
    } finally {
      await own.stop();
    }
  });

  test('query forwarding merges with the destination query and keeps the fragment last', async () => {
    const link = (await createLink(server.base, { url: 'https://example.com/page?ref=short#section', forward_query: true })).body;
    assert.equal(link.forward_query, true);
    assert.equal((await follow(server.base, `${link.slug}?utm_source=x&utm_medium=y`)).location,
      'https://example.com/page?ref=short&utm_source=x&utm_medium=y#section');
    assert.equal((await follow(server.base, link.slug)).location, 'https://example.com/page?ref=short#section');
    const off = (await createLink(server.base, { url: 'https://example.com/page' })).body;
    assert.equal((await follow(server.base, `${off.slug}?utm_source=x`)).location, 'https://example.com/page');
  });

  test('device targeting, then country targeting, then the default URL', async () => {
    const created = await createLink(server.base, {
      url: 'https://example.com/default',
      targeting: { ios: 'https://example.com/ios', android: 'https://example.com/android', countries: { GB: 'https://example.co.uk/', se: 'https://example.se/' } },
    });
    assert.equal(created.status, 201, created.text);
    assert.deepEqual(created.body.targeting, {
      ios: 'https://example.com/ios', android: 'https://example.com/android',
      countries: { GB: 'https://example.co.uk/', SE: 'https://example.se/' },
    });
    const slug = created.body.slug;
    const go = async (headers) => {
      const r = await follow(server.base, slug, { headers });
      assert.equal(r.headers.get('cache-control'), NO_STORE, 'a targeted link is never cacheable');
      return r.location;
    };
    assert.equal(await go({ 'user-agent': IPHONE, 'x-forwarded-for': '81.2.69.142' }), 'https://example.com/ios');
    assert.equal(await go({ 'user-agent': ANDROID }), 'https://example.com/android');
    assert.equal(await go({ 'user-agent': DESKTOP, 'sec-ch-ua-platform': '"Android"' }), 'https://example.com/android');
    assert.equal(await go({ 'user-agent': DESKTOP }), 'https://example.com/default');
    if (fs.existsSync(GEOIP_DB)) {
      assert.equal(await go({ 'user-agent': DESKTOP, 'x-forwarded-for': '81.2.69.142' }), 'https://example.co.uk/');
      assert.equal(await go({ 'user-agent': DESKTOP, 'x-forwarded-for': '89.160.20.112' }), 'https://example.se/');
      assert.equal(await go({ 'user-agent': DESKTOP, 'x-forwarded-for': '192.0.2.1' }), 'https://example.com/default');
    }
    // Bad targeting is refused with a clear code.
    const bad = await createLink(server.base, { url: 'https://example.com/', targeting: { countries: { XX: 'https://example.com/' } } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'invalid_targeting');
    const patched = await api(server.base, `/api/v1/links/${slug}`, { method: 'PATCH', json: { targeting: null } });
    assert.equal(patched.body.targeting, null);
    assert.equal(await go({ 'user-agent': IPHONE }), 'https://example.com/default');
  });

  test('every redirect is uncacheable, whatever its type', async () => {
    for (const type of [301, 302, 307, 308]) {
      const link = (await createLink(server.base, { url: 'https://example.com/t', redirect_type: type })).body;
      const r = await follow(server.base, link.slug);
      assert.equal(r.status, type);
      assert.equal(r.headers.get('cache-control'), NO_STORE);
    }
  });
});

// ---- two API replicas on one PostgreSQL and Redis ----

const PG = process.env.SHORTENER_TEST_PG_DSN;
const REDIS = process.env.SHORTENER_TEST_REDIS_URL;
const missing = !PG || !REDIS || !servicesAvailable();
const skipReplicas = process.env.SHORTENER_E2E_DISTRIBUTED === '1' ? 'run once, by the main e2e run'
  : missing && !process.env.CI ? 'needs SHORTENER_TEST_PG_DSN, SHORTENER_TEST_REDIS_URL (scripts/test.sh)' : false;

describe('link management across two API replicas', { skip: skipReplicas, concurrency: false }, () => {
  let a;
  let b;
  before(async () => {
    const name = `links_${process.pid}_${Date.now() % 100000}`;
    createDatabase(PG, name);
    const url = new URL(PG);
    url.pathname = `/${name}`;
    const env = { DATABASE_URL: url.toString(), REDIS_URL: REDIS, SHORTENER_REDIS_PREFIX: `${name}:` };
    // Replicas share no process state: a and b see each other only through PostgreSQL and Redis.
    a = await startServer({ env });
    b = await startServer({ env });
  });
  after(() => Promise.all([a?.stop(), b?.stop()]));

  test('max_clicks=50 hammered through both replicas at once: exactly 50 redirects', { timeout: 60_000 }, async () => {
    for (const expiredUrl of [undefined, 'https://example.com/sold-out']) {
      const link = (await createLink(a.base, { url: 'https://example.com/fifty', max_clicks: 50, expired_url: expiredUrl })).body;
      // Both replicas have the link cached before the rush, so they race on the store's counter only.
      const results = await hammer([a.base, b.base], link.slug, 600, 64);
      const ok = results.filter((r) => r.status === 302 && r.location === 'https://example.com/fifty');
      assert.equal(ok.length, 50, JSON.stringify(results.reduce((m, r) => ({ ...m, [r.status]: (m[r.status] ?? 0) + 1 }), {})));
      const rest = results.filter((r) => !(r.status === 302 && r.location === 'https://example.com/fifty'));
      assert.equal(rest.length, 550);
      if (expiredUrl) {
        assert.ok(rest.every((r) => r.status === 302 && r.location === expiredUrl));
      } else {
        assert.ok(rest.every((r) => r.status === 410));
      }
      // Redirects carry NO_STORE; the 410s are error bodies, no-store as well.
      assert.ok(results.every((r) => /(^|[ ,])no-store([ ,]|$)/.test(r.cache ?? '')), JSON.stringify([...new Set(results.map((r) => r.cache))]));
      assert.ok(results.filter((r) => r.status === 302).every((r) => r.cache === NO_STORE));
    }
  });

  test('an edit on replica A is followed by replica B within 1 s', { timeout: 30_000 }, async () => {
    const link = (await createLink(a.base, { url: 'https://example.com/before' })).body;
    // B caches the link (L1 and Redis) first, so it must be told to drop it.
    for (let i = 0; i < 3; ++i) assert.equal((await follow(b.base, link.slug)).location, 'https://example.com/before');
    const within = async (check, what) => {
      const start = Date.now();
      await waitFor(check, 1000, what, 10);
      return Date.now() - start;
    };
    const edits = [
      [{ url: 'https://example.com/after' }, async () => (await follow(b.base, link.slug)).location === 'https://example.com/after', 'the new destination'],
      [{ disabled: true }, async () => (await follow(b.base, link.slug)).status === 404, 'the link disabled'],
      [{ disabled: false, password: 'pw-on-a' }, async () => (await follow(b.base, link.slug)).status === 401, 'the password'],
      [{ password: null, targeting: { ios: 'https://example.com/ios' } },
        async () => (await follow(b.base, link.slug, { headers: { 'user-agent': IPHONE } })).location === 'https://example.com/ios', 'the targeting'],
    ];
    for (const [patch, check, what] of edits) {
      const r = await api(a.base, `/api/v1/links/${link.slug}`, { method: 'PATCH', json: patch });
      assert.equal(r.status, 200, r.text);
      const ms = await within(check, `replica B to follow ${what}`);
      assert.ok(ms <= 1000, `${what}: ${ms} ms`);
    }
    assert.equal((await api(a.base, `/api/v1/links/${link.slug}`, { method: 'DELETE' })).status, 204);
    await within(async () => (await follow(b.base, link.slug)).status === 410, 'replica B to see the delete');
  });

  test('expiry by date is seen by both replicas', { timeout: 30_000 }, async () => {
    const expires = new Date(Date.now() + 1500).toISOString();
    const link = (await createLink(a.base, { url: 'https://example.com/brief', expires_at: expires, expired_url: 'https://example.com/over' })).body;
    assert.equal((await follow(b.base, link.slug)).location, 'https://example.com/brief');
    await sleep(Math.max(0, Date.parse(expires) - Date.now()) + 100);
    for (const r of [await follow(a.base, link.slug), await follow(b.base, link.slug)]) {
      assert.equal(r.status, 302);
      assert.equal(r.location, 'https://example.com/over');
    }
  });
});
