// Social previews (issue #17) on the real binary, both modes: link-preview fetchers get the Open Graph page of a
// link with og_* fields, browsers the redirect; previews are bot clicks that never use up a click limit.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { AS_BROWSER, api, clicksOf, createLink, follow, startServer, waitFor } from './support.mjs';

// Real User-Agents of the fetchers, as they send them.
const PREVIEW_AGENTS = {
  slack: 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
  twitter: 'Twitterbot/1.0',
  facebook: 'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
  linkedin: 'LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)',
  discord: 'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)',
  telegram: 'TelegramBot (like TwitterBot)',
  whatsapp: 'WhatsApp/2.23.20.0 A',
  imessage: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0',
};

const OG = {
  og_title: 'Spring "sale" <now> & more',
  og_description: 'Everything half price — ünïcødé 🎉',
  og_image: 'https://cdn.example.com/card.png?w=1200&h=630',
};

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

async function statsOf(slug) {
  const r = await api(server.base, `/api/v1/links/${slug}/stats?interval=day&bots=include`);
  assert.equal(r.status, 200, r.text);
  return r.body;
}

describe('social previews', () => {
  test('create, GET and PATCH carry og_title, og_description and og_image', async () => {
    const created = await createLink(server.base, { url: 'https://example.com/og', ...OG });
    assert.equal(created.status, 201, created.text);
    for (const [k, v] of Object.entries(OG)) assert.equal(created.body[k], v);
    const slug = created.body.slug;
    const got = await api(server.base, `/api/v1/links/${slug}`);
    for (const [k, v] of Object.entries(OG)) assert.equal(got.body[k], v);
    const patched = await api(server.base, `/api/v1/links/${slug}`, { method: 'PATCH', json: { og_title: 'New', og_image: null } });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.og_title, 'New');
    assert.equal(patched.body.og_description, OG.og_description);
    assert.equal(patched.body.og_image, null);
    const plain = await createLink(server.base, { url: 'https://example.com/plain' });
    assert.equal(plain.body.og_title, null);
    assert.equal(plain.body.og_image, null);
  });

  test('bad og fields are 400 invalid_preview (or the URL policy code for og_image)', async () => {
    const bad = [
      [{ og_title: 'x'.repeat(201) }, 'invalid_preview'],
      [{ og_title: 42 }, 'invalid_preview'],
      [{ og_title: 'line\nbreak' }, 'invalid_preview'],
      [{ og_description: 'd'.repeat(501) }, 'invalid_preview'],
      [{ og_description: ['x'] }, 'invalid_preview'],
      [{ og_image: 'http://cdn.example.com/a.png' }, 'invalid_preview'],
      [{ og_image: 'javascript:alert(1)' }, 'unsupported_scheme'],
      [{ og_image: 'https://cdn.example.com/a b.png' }, 'url_whitespace'],
      [{ og_image: '/relative.png' }, 'relative_url'],
      [{ og_image: 7 }, 'invalid_request'],
    ];
    for (const [fields, code] of bad) {
      const r = await createLink(server.base, { url: 'https://example.com/bad', ...fields });
      assert.equal(r.status, 400, JSON.stringify(fields));
      assert.equal(r.body.error.code, code, JSON.stringify(fields));
      assert.ok(!r.text.includes('alert'), 'the message never echoes the input');
    }
    const ok = await createLink(server.base, { url: 'https://example.com/ok', og_title: 'x'.repeat(200), og_description: 'd'.repeat(500) });
    assert.equal(ok.status, 201, ok.text);
    const slug = ok.body.slug;
    const patch = await api(server.base, `/api/v1/links/${slug}`, { method: 'PATCH', json: { og_image: 'ftp://x.example/a.png' } });
    assert.equal(patch.status, 400);
  });

  test('every preview agent gets the OG page, a browser the redirect; counted as bot clicks', async () => {
    const created = await createLink(server.base, { url: 'https://example.com/landing?a=1&b=2', ...OG });
    const slug = created.body.slug;
    for (const [name, ua] of Object.entries(PREVIEW_AGENTS)) {
      const r = await follow(server.base, slug, { headers: { 'user-agent': ua } });
      assert.equal(r.status, 200, name);
      assert.match(r.headers.get('content-type'), /^text\/html/, name);
      assert.match(r.headers.get('content-security-policy'), /^default-src 'none'; img-src https:/, name);
      assert.equal(r.headers.get('cache-control'), 'private, no-store, max-age=0', name);
      assert.ok(!/<script/i.test(r.text), name);
      assert.ok(r.text.includes('<meta property="og:title" content="Spring &quot;sale&quot; &lt;now&gt; &amp; more">'), name);
      assert.ok(r.text.includes(`<meta property="og:description" content="${OG.og_description}">`), name);
      assert.ok(r.text.includes('<meta property="og:image" content="https://cdn.example.com/card.png?w=1200&amp;h=630">'), name);
      assert.ok(r.text.includes(`<meta property="og:url" content="${created.body.short_url}">`), name);
      assert.ok(r.text.includes('<meta name="twitter:card" content="summary_large_image">'), name);
      assert.ok(r.text.includes('<meta http-equiv="refresh" content="0; url=https://example.com/landing?a=1&amp;b=2">'), name);
    }
    const browser = await follow(server.base, slug, AS_BROWSER);
    assert.equal(browser.status, 302);
    assert.equal(browser.headers.get('location'), 'https://example.com/landing?a=1&b=2');
    const n = Object.keys(PREVIEW_AGENTS).length;
    await waitFor(async () => (await clicksOf(server.base, slug)) === n + 1, 10_000, 'clicks stored');
    const link = await api(server.base, `/api/v1/links/${slug}`);
    assert.equal(link.body.human_clicks, 1);
    const stats = await statsOf(slug);
    assert.equal(stats.totals.clicks, n + 1);
    assert.equal(stats.totals.bot_clicks, n);
    assert.equal(stats.totals.human_clicks, 1);
    const rows = (await api(server.base, `/api/v1/links/${slug}/clicks?format=ndjson&bots=include`)).text.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(rows.filter((r) => r.bot_reason === 'preview').length, n);
    assert.equal(rows.filter((r) => r.is_bot === false).length, 1);
  });

  test('a link without og fields redirects preview agents like anyone', async () => {
    const created = await createLink(server.base, { url: 'https://example.com/no-og' });
    const r = await follow(server.base, created.body.slug, { headers: { 'user-agent': PREVIEW_AGENTS.slack } });
    assert.equal(r.status, 302);
    assert.equal(r.headers.get('location'), 'https://example.com/no-og');
  });

  test('previews never use up a click limit', async () => {
    const created = await createLink(server.base, { url: 'https://example.com/limited', max_clicks: 1, ...OG });
    const slug = created.body.slug;
    for (const ua of Object.values(PREVIEW_AGENTS)) {
      const r = await follow(server.base, slug, { headers: { 'user-agent': ua } });
      assert.equal(r.status, 200);
    }
    const first = await follow(server.base, slug, AS_BROWSER);
    assert.equal(first.status, 302, 'the one allowed visit is still there');
    const second = await follow(server.base, slug, AS_BROWSER);
    assert.equal(second.status, 410);
    const preview = await follow(server.base, slug, { headers: { 'user-agent': PREVIEW_AGENTS.twitter } });
    assert.equal(preview.status, 410, 'a used-up link is expired for fetchers too');
  });

  test('a password-protected link shows its preview without the destination', async () => {
    const created = await createLink(server.base, { url: 'https://example.com/secret-place', password: 'pw-1234', ...OG });
    const slug = created.body.slug;
    const r = await follow(server.base, slug, { headers: { 'user-agent': PREVIEW_AGENTS.facebook } });
    assert.equal(r.status, 200);
    assert.ok(!r.text.includes('secret-place'));
    assert.ok(!r.text.includes('http-equiv'));
    const browser = await follow(server.base, slug, { headers: { ...AS_BROWSER.headers, accept: 'text/html' } });
    assert.equal(browser.status, 200);
    assert.ok(browser.text.includes('This link is protected'));
  });

  test('a HEAD from a preview agent gets the page headers without a body', async () => {
    const created = await createLink(server.base, { url: 'https://example.com/head', ...OG });
    const r = await follow(server.base, created.body.slug, { method: 'HEAD', headers: { 'user-agent': PREVIEW_AGENTS.discord } });
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
  });
});
