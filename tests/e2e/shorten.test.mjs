// The core flow: shorten → redirect → click counted; both create endpoints; custom slugs; parallel creates.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { api, clicksOf, createLink, DISTRIBUTED, follow, sleep, startServer, waitFor } from './support.mjs';

const SLUG_RE = /^[A-Za-z0-9_-]{6}$/;

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

describe('POST /api/v1/links', () => {
  test('creates a link: 201, Location, full link object', async () => {
    const before = Date.now();
    const r = await createLink(server.base, { url: 'https://example.com/some/long/path?q=1' });
    assert.equal(r.status, 201, r.text);
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
    const link = r.body;
    assert.match(link.slug, SLUG_RE);
    assert.equal(r.headers.get('location'), `/api/v1/links/${link.slug}`);
    assert.equal(link.long_url, 'https://example.com/some/long/path?q=1');
    assert.equal(link.short_url, `${server.publicUrl}/${link.slug}`);
    for (const key of ['slug', 'short_url', 'long_url', 'created_at', 'updated_at', 'expires_at', 'max_clicks',
      'redirect_type', 'tags', 'clicks']) {
      assert.ok(key in link, `link object has "${key}": ${r.text}`);
    }
    assert.equal(link.expires_at, null);
    assert.equal(link.max_clicks, null);
    assert.equal(link.redirect_type, 302);
    assert.deepEqual(link.tags, []);
    assert.equal(link.clicks, 0);
    const created = Date.parse(link.created_at);
    assert.ok(Number.isFinite(created), `created_at is RFC 3339: ${link.created_at}`);
    assert.ok(created >= before - 2000 && created <= Date.now() + 2000, `created_at is now: ${link.created_at}`);
    assert.ok(Number.isFinite(Date.parse(link.updated_at)));
  });

  test('short_url uses the real port by default (public URL http://localhost:<port>)', async () => {
    const r = await createLink(server.base, { url: 'https://example.com/public-url' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.short_url, `http://localhost:${server.port}/${r.body.slug}`);
    assert.equal(server.listening.public_url, `http://localhost:${server.port}`);
  });

  test('stores all options', async () => {
    const expires = new Date(Date.now() + 3600_000).toISOString();
    const r = await createLink(server.base, {
      url: 'https://example.com/opts',
      expires_at: expires,
      max_clicks: 10,
      redirect_type: 308,
      tags: ['news', 'q3'],
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(Date.parse(r.body.expires_at), Date.parse(expires));
    assert.equal(r.body.max_clicks, 10);
    assert.equal(r.body.redirect_type, 308);
    assert.deepEqual(r.body.tags, ['news', 'q3']);
    const got = await api(server.base, `/api/v1/links/${r.body.slug}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.redirect_type, 308);
    assert.deepEqual(got.body.tags, ['news', 'q3']);
    const hop = await follow(server.base, r.body.slug);
    assert.equal(hop.status, 308);
    assert.equal(hop.location, 'https://example.com/opts');
  });

  for (const type of [301, 302, 307, 308]) {
    test(`redirect_type ${type} is used for the redirect`, async () => {
      const r = await createLink(server.base, { url: `https://example.com/type/${type}`, redirect_type: type });
      assert.equal(r.status, 201, r.text);
      const hop = await follow(server.base, r.body.slug);
      assert.equal(hop.status, type);
      assert.equal(hop.location, `https://example.com/type/${type}`);
      assert.match(hop.headers.get('cache-control') ?? '', /no-store/);
    });
  }

  test('normalizes the long URL (scheme/host case, trailing slash, IDN)', async () => {
    const cases = [
      ['HTTPS://Example.COM', 'https://example.com/'],
      ['https://bücher.example/', 'https://xn--bcher-kva.example/'],
      ['http://example.com:80/a', 'http://example.com/a'],
    ];
    for (const [input, want] of cases) {
      const r = await createLink(server.base, { url: input });
      assert.equal(r.status, 201, `${input}: ${r.text}`);
      assert.equal(r.body.long_url, want, input);
      const hop = await follow(server.base, r.body.slug);
      assert.equal(hop.status, 302);
      assert.equal(hop.location, want, `redirect Location for ${input}`);
    }
  });

  test('accepts a URL of exactly 4096 bytes', async () => {
    const prefix = 'https://example.com/';
    const url = prefix + 'a'.repeat(4096 - prefix.length);
    assert.equal(Buffer.byteLength(url), 4096);
    const r = await createLink(server.base, { url });
    assert.equal(r.status, 201, r.text.slice(0, 300));
    assert.equal(r.body.long_url, url);
  });
});

describe('POST /api/shorten', () => {
  test('creates a link: 201 {slug, shortUrl} and it redirects', async () => {
    const r = await api(server.base, '/api/shorten', { method: 'POST', json: { url: 'https://example.org/legacy' } });
    assert.equal(r.status, 201, r.text);
    assert.match(r.body.slug, SLUG_RE);
    assert.equal(typeof r.body.shortUrl, 'string');
    assert.ok(r.body.shortUrl.endsWith(`/${r.body.slug}`), r.body.shortUrl);
    const hop = await follow(server.base, r.body.slug);
    assert.equal(hop.status, 302);
    assert.equal(hop.location, 'https://example.org/legacy');
  });

  test('accepts a custom slug', async () => {
    const r = await api(server.base, '/api/shorten', {
      method: 'POST',
      json: { url: 'https://example.org/custom', slug: 'legacy-custom' },
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.slug, 'legacy-custom');
    const hop = await follow(server.base, 'legacy-custom');
    assert.equal(hop.location, 'https://example.org/custom');
  });

  test('rejects the v1-only options as unknown fields', async () => {
    const r = await api(server.base, '/api/shorten', {
      method: 'POST',
      json: { url: 'https://example.org/x', max_clicks: 3 },
    });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error.code, 'invalid_request');
  });

  test('applies the same URL policy', async () => {
    const r = await api(server.base, '/api/shorten', { method: 'POST', json: { url: 'javascript:alert(1)' } });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.error.code, 'unsupported_scheme');
  });
});

describe('redirect and clicks', () => {
  test('GET /{slug} → 302 with Location and no-store; clicks counted', async () => {
    const { body: link } = await createLink(server.base, { url: 'https://example.com/clicks-get' });
    for (let i = 0; i < 3; i++) {
      const hop = await follow(server.base, link.slug);
      assert.equal(hop.status, 302);
      assert.equal(hop.location, 'https://example.com/clicks-get');
      assert.match(hop.headers.get('cache-control') ?? '', /no-store/);
    }
    await waitFor(async () => (await clicksOf(server.base, link.slug)) === 3, 5000, 'clicks == 3');
    await sleep(300);
    assert.equal(await clicksOf(server.base, link.slug), 3, 'no extra clicks appear');
  });

  test('HEAD /{slug} redirects and counts as a click', async () => {
    const { body: link } = await createLink(server.base, { url: 'https://example.com/clicks-head' });
    for (let i = 0; i < 2; i++) {
      const hop = await follow(server.base, link.slug, { method: 'HEAD' });
      assert.equal(hop.status, 302);
      assert.equal(hop.location, 'https://example.com/clicks-head');
      assert.match(hop.headers.get('cache-control') ?? '', /no-store/);
    }
    const hop = await follow(server.base, link.slug);
    assert.equal(hop.status, 302);
    await waitFor(async () => (await clicksOf(server.base, link.slug)) === 3, 5000, 'clicks == 3 (2 HEAD + 1 GET)');
  });

  test('links made by /api/shorten count clicks too', async () => {
    const r = await api(server.base, '/api/shorten', { method: 'POST', json: { url: 'https://example.org/c' } });
    assert.equal(r.status, 201);
    await follow(server.base, r.body.slug);
    await follow(server.base, r.body.slug, { method: 'HEAD' });
    await waitFor(async () => (await clicksOf(server.base, r.body.slug)) === 2, 5000, 'clicks == 2');
  });

  test('API reads do not count as clicks', async () => {
    const { body: link } = await createLink(server.base, { url: 'https://example.com/no-clicks' });
    for (let i = 0; i < 3; i++) await api(server.base, `/api/v1/links/${link.slug}`);
    await sleep(300);
    assert.equal(await clicksOf(server.base, link.slug), 0);
  });

  test('metrics count stored clicks', { skip: DISTRIBUTED && 'distributed mode: `shortener worker` stores the clicks' }, async () => {
    const { body: link } = await createLink(server.base, { url: 'https://example.com/metrics-clicks' });
    await follow(server.base, link.slug);
    await waitFor(async () => (await clicksOf(server.base, link.slug)) === 1, 5000, 'clicks == 1');
    const m = await api(server.base, '/metrics');
    const line = m.text.split('\n').find((l) => l.startsWith('shortener_clicks_stored_total'));
    assert.ok(line, 'shortener_clicks_stored_total sample present');
    assert.ok(Number(line.trim().split(/\s+/).pop()) >= 1, line);
  });
});

describe('custom slugs', () => {
  test('custom slug is used; taken → 409 slug_taken', async () => {
    const a = await createLink(server.base, { url: 'https://example.com/one', slug: 'my-Link_1' });
    assert.equal(a.status, 201, a.text);
    assert.equal(a.body.slug, 'my-Link_1');
    assert.equal(a.headers.get('location'), '/api/v1/links/my-Link_1');
    const b = await createLink(server.base, { url: 'https://example.com/two', slug: 'my-Link_1' });
    assert.equal(b.status, 409, b.text);
    assert.equal(b.body.error.code, 'slug_taken');
    assert.ok(b.body.error.message.length > 0);
    const hop = await follow(server.base, 'my-Link_1');
    assert.equal(hop.location, 'https://example.com/one', 'the first owner keeps the slug');
  });

  test('reserved words → 400 slug_reserved (case-insensitive)', async () => {
    for (const slug of ['api', 'app', 'admin', 'static', '_next', 'healthz', 'readyz', 'metrics', 'assets', 'login',
      'API', 'Admin', 'HEALTHZ']) {
      const r = await createLink(server.base, { url: 'https://example.com/r', slug });
      assert.equal(r.status, 400, `${slug}: ${r.text}`);
      assert.equal(r.body.error.code, 'slug_reserved', slug);
      assert.ok(r.body.error.message.length > 0);
    }
  });

  test('invalid slugs → 400 invalid_slug', async () => {
    for (const slug of ['ab', 'x'.repeat(65), 'has space', 'dot.ted', 'sl/ash', 'ümlaut', 'per%20cent', '', 'a?b', 42]) {
      const r = await createLink(server.base, { url: 'https://example.com/s', slug });
      assert.equal(r.status, 400, `${JSON.stringify(slug)}: ${r.text}`);
      assert.equal(r.body.error.code, 'invalid_slug', JSON.stringify(slug));
      assert.ok(r.body.error.message.length > 0);
    }
  });

  test('boundary lengths 3 and 64 are accepted', async () => {
    for (const slug of ['b3x', 'L'.repeat(64)]) {
      const r = await createLink(server.base, { url: 'https://example.com/len', slug });
      assert.equal(r.status, 201, `${slug}: ${r.text}`);
      assert.equal((await follow(server.base, slug)).status, 302);
    }
  });

  test('slugs are case-sensitive', async () => {
    const upper = await createLink(server.base, { url: 'https://example.com/upper', slug: 'AbC' });
    assert.equal(upper.status, 201, upper.text);
    const lower = await createLink(server.base, { url: 'https://example.com/lower', slug: 'abc' });
    assert.equal(lower.status, 201, lower.text);
    assert.equal((await follow(server.base, 'AbC')).location, 'https://example.com/upper');
    assert.equal((await follow(server.base, 'abc')).location, 'https://example.com/lower');
    assert.equal((await follow(server.base, 'ABC')).status, 404);
  });
});

describe('concurrency', () => {
  test('200 parallel creates → 200 distinct slugs, each redirecting to its own URL', async () => {
    const N = 200;
    const results = await Promise.all(
      Array.from({ length: N }, (_, i) => createLink(server.base, { url: `https://example.com/p/${i}` })),
    );
    for (const r of results) assert.equal(r.status, 201, r.text);
    const slugs = results.map((r) => r.body.slug);
    assert.equal(new Set(slugs).size, N, 'all slugs distinct');
    for (const s of slugs) assert.match(s, SLUG_RE);
    const hops = await Promise.all(slugs.map((s) => follow(server.base, s)));
    hops.forEach((hop, i) => {
      assert.equal(hop.status, 302, `slug ${slugs[i]}`);
      assert.equal(hop.location, `https://example.com/p/${i}`, `slug ${slugs[i]}`);
    });
  });
});
