// A/B split ratio through the real binary (issue #17), in both modes (SHORTENER_E2E_DISTRIBUTED=1): 10,000 simulated
// visitors (distinct addresses by X-Forwarded-For through a trusted proxy, one browser UA, so distinct visitor ids)
// follow a link split 70/30; each variant's share of the redirects is within ±3 percentage points, a sample of
// visitors keeps its variant on repeat visits, and once the clicks are stored the `destinations` breakdown counts the
// same clicks and one unique visitor per visitor.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';

import { api, clicksOf, createLink, startServer, waitFor } from './support.mjs';

const DESKTOP = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36';
const VISITORS = 10_000;
const IN_FLIGHT = 32;
const SAMPLE_EVERY = 50;  // every 50th visitor comes back twice (200 visitors, 400 repeat visits)
const A = 'https://example.com/a';
const B = 'https://example.com/b';

// Visitor i's address: 10.0.0.0/8, distinct for every i below 2^24.
const addressOf = (i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

// Runs `task(i)` for i in [0, n) with at most `width` in flight.
async function pool(n, width, task) {
  let next = 0;
  const worker = async () => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: width }, worker));
}

describe('split ratio over 10,000 visitors', () => {
  let server;
  before(async () => {
    // Loopback is the trusted proxy, so X-Forwarded-For is the visitor's address.
    server = await startServer({ env: { SHORTENER_TRUSTED_PROXIES: '127.0.0.1/32' } });
  });
  after(() => server.stop());

  // node:http over IN_FLIGHT kept-alive connections: fetch costs the client several times more CPU per request.
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  after(() => agent.destroy());
  const visit = (slug, i) => new Promise((resolve, reject) => {
    const req = http.get(`${server.base}/${slug}`, {
      agent,
      headers: { 'user-agent': DESKTOP, 'x-forwarded-for': addressOf(i), 'accept-language': 'en' },
    }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 302 ? resolve(res.headers.location)
        : reject(new Error(`visitor ${i}: status ${res.statusCode}`))));
    });
    req.on('error', reject);
  });

  test('70/30 within ±3 points, sticky per visitor, and the stored destinations agree', async () => {
    const created = await createLink(server.base, {
      url: 'https://example.com/base',
      split: [{ url: A, weight: 70 }, { url: B, weight: 30 }],
    });
    assert.equal(created.status, 201, created.text);
    const slug = created.body.slug;

    const variantOf = new Array(VISITORS);
    const redirects = { [A]: 0, [B]: 0 };
    const started = Date.now();
    await pool(VISITORS, IN_FLIGHT, async (i) => {
      const location = await visit(slug, i);
      assert.ok(location in redirects, location);
      variantOf[i] = location;
      redirects[location]++;
    });
    const shareA = redirects[A] / VISITORS;
    assert.ok(Math.abs(shareA - 0.7) <= 0.03, `variant a got ${(shareA * 100).toFixed(2)}% of ${VISITORS}`);
    assert.ok(Math.abs(redirects[B] / VISITORS - 0.3) <= 0.03, JSON.stringify(redirects));

    // Repeat visits: the same visitor, the same variant, every time.
    const sample = Array.from({ length: VISITORS / SAMPLE_EVERY }, (_, k) => k * SAMPLE_EVERY);
    await pool(sample.length * 2, IN_FLIGHT, async (j) => {
      const i = sample[j % sample.length];
      const location = await visit(slug, i);
      assert.equal(location, variantOf[i], `visitor ${addressOf(i)} moved from ${variantOf[i]} to ${location}`);
      redirects[location]++;
    });
    const sent = VISITORS + sample.length * 2;
    const elapsed = Date.now() - started;
    console.log(`# ${sent} redirects in ${elapsed} ms (${server.distributed ? 'distributed' : 'embedded'})`);

    // The stored breakdown: the clicks of each variant, and each visitor once (one UTC day).
    await waitFor(async () => (await clicksOf(server.base, slug)) === sent, 60_000, 'all clicks stored', 200);
    const stats = await api(server.base, `/api/v1/links/${slug}/stats?interval=day`);
    assert.equal(stats.status, 200, stats.text);
    const visitors = { [A]: 0, [B]: 0 };
    for (const v of variantOf) visitors[v]++;
    const rows = stats.body.destinations;
    assert.equal(rows.length, 2, JSON.stringify(rows));
    for (const [url, route] of [[A, 'variant:0'], [B, 'variant:1']]) {
      const row = rows.find((d) => d.key === url);
      assert.ok(row, `${url} missing in ${JSON.stringify(rows)}`);
      assert.equal(row.route, route);
      assert.equal(row.clicks, redirects[url], `${url} clicks`);
      assert.equal(row.unique_visitors, visitors[url], `${url} unique visitors`);
    }
  });
});
