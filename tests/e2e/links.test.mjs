// Link lifecycle: max_clicks, expiry, PATCH, DELETE, listing (pagination, search, tag filter).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { AS_BROWSER, BROWSER_UA, api, clicksOf, createLink, follow, sleep, startServer, waitFor } from './support.mjs';

const token = () => randomBytes(6).toString('hex');

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

describe('max_clicks and expiry', () => {
  test('max_clicks 5 with 20 concurrent redirects → exactly 5 redirects and 15 × 410', async () => {
    const { status, body: link } = await createLink(server.base, { url: 'https://example.com/limited', max_clicks: 5 });
    assert.equal(status, 201);
    const hops = await Promise.all(Array.from({ length: 20 }, () => follow(server.base, link.slug, AS_BROWSER)));
    const statuses = hops.map((h) => h.status);
    assert.equal(statuses.filter((s) => s === 302).length, 5, `statuses: ${statuses}`);
    assert.equal(statuses.filter((s) => s === 410).length, 15, `statuses: ${statuses}`);
    for (const h of hops.filter((h) => h.status === 302)) assert.equal(h.location, 'https://example.com/limited');
    const gone = hops.find((h) => h.status === 410);
    assert.equal(JSON.parse(gone.text).error.code, 'gone');
    // Still exhausted afterwards, and exactly 5 clicks recorded.
    assert.equal((await follow(server.base, link.slug, AS_BROWSER)).status, 410);
    await waitFor(async () => (await clicksOf(server.base, link.slug)) === 5, 5000, 'clicks == 5');
  });

  test('only people use up max_clicks: HEAD, bots and link previews are redirected without counting', async () => {
    const { body: link } = await createLink(server.base, { url: 'https://example.com/people', max_clicks: 3 });
    const machines = [
      { method: 'HEAD' },
      { method: 'HEAD', headers: { 'user-agent': BROWSER_UA } },
      { headers: { 'user-agent': 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)' } },
      { headers: { 'user-agent': 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)' } },
      { headers: { 'user-agent': 'Twitterbot/1.0' } },
      { headers: { 'user-agent': 'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)' } },
      { headers: { 'user-agent': 'WhatsApp/2.23.20.0' } },
      { headers: { 'user-agent': 'TelegramBot (like TwitterBot)' } },
      { headers: { 'user-agent': 'LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)' } },
      { headers: { 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' } },
      { headers: { 'user-agent': 'curl/8.5.0' } },
      {}, // node's fetch: "node"
    ];
    for (const m of machines) {
      const r = await follow(server.base, link.slug, m);
      assert.equal(r.status, 302, JSON.stringify(m));
      assert.equal(r.location, 'https://example.com/people');
    }
    for (let i = 0; i < 3; i++) assert.equal((await follow(server.base, link.slug, AS_BROWSER)).status, 302, `person ${i}`);
    assert.equal((await follow(server.base, link.slug, AS_BROWSER)).status, 410);
    // Once spent, machines get the expired answer too.
    assert.equal((await follow(server.base, link.slug, { method: 'HEAD' })).status, 410);
    assert.equal((await follow(server.base, link.slug, machines[2])).status, 410);
  });

  test('max_clicks 1 with an expired_url: machines see the destination until a person uses it up', async () => {
    const { body: link } = await createLink(server.base, {
      url: 'https://example.com/once', max_clicks: 1, expired_url: 'https://example.com/gone' });
    assert.equal((await follow(server.base, link.slug, { method: 'HEAD' })).location, 'https://example.com/once');
    assert.equal((await follow(server.base, link.slug, AS_BROWSER)).location, 'https://example.com/once');
    assert.equal((await follow(server.base, link.slug, { method: 'HEAD' })).location, 'https://example.com/gone');
    assert.equal((await follow(server.base, link.slug, AS_BROWSER)).location, 'https://example.com/gone');
  });

  test('expires_at 2 s ahead: redirects before, 410 after', async () => {
    const expiresAt = Date.now() + 2000;
    const r = await createLink(server.base, {
      url: 'https://example.com/expiring',
      expires_at: new Date(expiresAt).toISOString(),
    });
    assert.equal(r.status, 201, r.text);
    const early = await follow(server.base, r.body.slug);
    assert.equal(early.status, 302);
    assert.equal(early.location, 'https://example.com/expiring');
    await sleep(Math.max(0, expiresAt - Date.now()) + 250);
    const late = await follow(server.base, r.body.slug);
    assert.equal(late.status, 410, late.text);
    assert.equal(JSON.parse(late.text).error.code, 'gone');
  });
});

describe('PATCH /api/v1/links/{slug}', () => {
  test('updates the URL and the redirect follows it at once', async () => {
    const { body: link } = await createLink(server.base, { url: 'https://example.com/old' });
    assert.equal((await follow(server.base, link.slug)).location, 'https://example.com/old'); // warm any cache
    await sleep(5);
    const r = await api(server.base, `/api/v1/links/${link.slug}`, {
      method: 'PATCH',
      json: { url: 'HTTPS://Example.com/new' },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.slug, link.slug);
    assert.equal(r.body.long_url, 'https://example.com/new');
    assert.equal(r.body.created_at, link.created_at);
    assert.ok(Date.parse(r.body.updated_at) >= Date.parse(link.updated_at));
    for (let i = 0; i < 5; i++) {
      assert.equal((await follow(server.base, link.slug)).location, 'https://example.com/new');
    }
    assert.equal((await api(server.base, `/api/v1/links/${link.slug}`)).body.long_url, 'https://example.com/new');
  });

  test('updates options; null clears expires_at and max_clicks', async () => {
    const { body: link } = await createLink(server.base, {
      url: 'https://example.com/opts',
      max_clicks: 3,
      expires_at: new Date(Date.now() + 3600_000).toISOString(),
    });
    let r = await api(server.base, `/api/v1/links/${link.slug}`, {
      method: 'PATCH',
      json: { redirect_type: 301, tags: ['a', 'b'] },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.redirect_type, 301);
    assert.deepEqual(r.body.tags, ['a', 'b']);
    assert.equal(r.body.max_clicks, 3, 'untouched fields stay');
    assert.equal((await follow(server.base, link.slug)).status, 301);

    r = await api(server.base, `/api/v1/links/${link.slug}`, {
      method: 'PATCH',
      json: { expires_at: null, max_clicks: null },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.expires_at, null);
    assert.equal(r.body.max_clicks, null);
    assert.deepEqual(r.body.tags, ['a', 'b']);
  });

  test('raising max_clicks re-enables an exhausted link', async () => {
    const { body: link } = await createLink(server.base, { url: 'https://example.com/raise', max_clicks: 1 });
    assert.equal((await follow(server.base, link.slug, AS_BROWSER)).status, 302);
    assert.equal((await follow(server.base, link.slug, AS_BROWSER)).status, 410);
    const r = await api(server.base, `/api/v1/links/${link.slug}`, { method: 'PATCH', json: { max_clicks: 3 } });
    assert.equal(r.status, 200, r.text);
    assert.equal((await follow(server.base, link.slug, AS_BROWSER)).status, 302);
  });
});

describe('DELETE /api/v1/links/{slug}', () => {
  test('204, then GET → 410 gone and redirect → 410', async () => {
    const { body: link } = await createLink(server.base, { url: 'https://example.com/doomed' });
    assert.equal((await follow(server.base, link.slug)).status, 302); // warm any cache
    const del = await api(server.base, `/api/v1/links/${link.slug}`, { method: 'DELETE' });
    assert.equal(del.status, 204);
    assert.equal(del.text, '');
    const got = await api(server.base, `/api/v1/links/${link.slug}`);
    assert.equal(got.status, 410, got.text);
    assert.equal(got.body.error.code, 'gone');
    assert.ok(got.body.error.message.length > 0);
    const hop = await follow(server.base, link.slug);
    assert.equal(hop.status, 410, hop.text);
    assert.equal(hop.location, null);
    const html = await follow(server.base, link.slug, { headers: { accept: 'text/html' } });
    assert.equal(html.status, 410);
    assert.match(html.headers.get('content-type') ?? '', /^text\/html/);
  });

  test('a deleted custom slug cannot be PATCHed back to life', async () => {
    const slug = `del-${token()}`;
    assert.equal((await createLink(server.base, { url: 'https://example.com/d', slug })).status, 201);
    assert.equal((await api(server.base, `/api/v1/links/${slug}`, { method: 'DELETE' })).status, 204);
    const r = await api(server.base, `/api/v1/links/${slug}`, { method: 'PATCH', json: { url: 'https://example.com/e' } });
    assert.ok([404, 410].includes(r.status), `PATCH after DELETE: ${r.status} ${r.text}`);
    assert.equal((await follow(server.base, slug)).status, 410);
  });
});

describe('GET /api/v1/links', () => {
  let listServer;
  before(async () => {
    listServer = await startServer();
  });
  after(async () => {
    await listServer?.stop();
  });

  test('pagination: 5 links, limit 2 → 3 pages, newest first, no duplicates', async () => {
    const created = [];
    for (let i = 0; i < 5; i++) {
      const r = await createLink(listServer.base, { url: `https://example.com/page/${i}` });
      assert.equal(r.status, 201);
      created.push(r.body.slug);
    }
    const pages = [];
    let cursor = null;
    do {
      const q = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
      const r = await api(listServer.base, `/api/v1/links?limit=2${q}`);
      assert.equal(r.status, 200, r.text);
      assert.ok(Array.isArray(r.body.items));
      assert.ok(r.body.next_cursor === null || typeof r.body.next_cursor === 'string');
      pages.push(r.body.items.map((l) => l.slug));
      cursor = r.body.next_cursor;
      assert.ok(pages.length <= 5, 'pagination terminates');
    } while (cursor !== null);
    assert.equal(pages.length, 3, `pages: ${JSON.stringify(pages)}`);
    assert.deepEqual(pages.map((p) => p.length), [2, 2, 1]);
    const all = pages.flat();
    assert.equal(new Set(all).size, 5, 'no duplicates');
    assert.deepEqual(all, [...created].reverse(), 'newest first');
  });

  test('default page lists link objects with clicks', async () => {
    const r = await api(listServer.base, '/api/v1/links');
    assert.equal(r.status, 200);
    assert.ok(r.body.items.length >= 5);
    for (const l of r.body.items) {
      assert.equal(typeof l.slug, 'string');
      assert.equal(typeof l.long_url, 'string');
      assert.equal(typeof l.clicks, 'number');
    }
  });

  test('q searches links', async () => {
    const t = token();
    const mine = [];
    for (let i = 0; i < 3; i++) {
      mine.push((await createLink(listServer.base, { url: `https://example.com/search/${t}/${i}` })).body.slug);
    }
    await createLink(listServer.base, { url: 'https://example.com/search/unrelated' });
    const r = await api(listServer.base, `/api/v1/links?q=${t}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.items.map((l) => l.slug).sort(), [...mine].sort());
    assert.equal(r.body.next_cursor, null);
    const none = await api(listServer.base, `/api/v1/links?q=nothing-matches-${token()}`);
    assert.deepEqual(none.body.items, []);
    assert.equal(none.body.next_cursor, null);
  });

  test('q pagination with cursor stays within the filter', async () => {
    const t = token();
    for (let i = 0; i < 3; i++) await createLink(listServer.base, { url: `https://example.com/qp/${t}/${i}` });
    const p1 = await api(listServer.base, `/api/v1/links?q=${t}&limit=2`);
    assert.equal(p1.body.items.length, 2);
    assert.equal(typeof p1.body.next_cursor, 'string');
    const p2 = await api(listServer.base, `/api/v1/links?q=${t}&limit=2&cursor=${encodeURIComponent(p1.body.next_cursor)}`);
    assert.equal(p2.body.items.length, 1);
    assert.ok(p2.body.items[0].long_url.includes(t));
    assert.equal(p2.body.next_cursor, null);
  });

  test('tag filter', async () => {
    const t = `tag-${token()}`;
    const tagged = [];
    for (let i = 0; i < 2; i++) {
      const r = await createLink(listServer.base, { url: `https://example.com/tagged/${i}`, tags: [t, 'common'] });
      assert.equal(r.status, 201, r.text);
      tagged.push(r.body.slug);
    }
    await createLink(listServer.base, { url: 'https://example.com/untagged', tags: ['common'] });
    const r = await api(listServer.base, `/api/v1/links?tag=${t}`);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.items.map((l) => l.slug).sort(), [...tagged].sort());
    for (const l of r.body.items) assert.ok(l.tags.includes(t));
  });

  test('deleted links are not listed', async () => {
    const t = token();
    const { body: link } = await createLink(listServer.base, { url: `https://example.com/listdel/${t}` });
    assert.equal((await api(listServer.base, `/api/v1/links?q=${t}`)).body.items.length, 1);
    await api(listServer.base, `/api/v1/links/${link.slug}`, { method: 'DELETE' });
    assert.equal((await api(listServer.base, `/api/v1/links?q=${t}`)).body.items.length, 0);
  });
});
