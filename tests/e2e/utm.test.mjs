// UTM analytics (issue #17) on the real binary, both modes: utm_* breakdowns in a link's stats and in the overview,
// from the visit's query string, else from the destination URL's own query, lower-cased, bots apart.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { AS_BROWSER, api, clicksOf, createLink, follow, startServer, waitFor } from './support.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

// A breakdown as { key: clicks }.
const counts = (rows) => Object.fromEntries((rows ?? []).map((r) => [r.key, r.clicks]));

describe('UTM analytics', () => {
  test('visits with utm in the query and a destination carrying utm: exact breakdowns', async () => {
    const plain = (await createLink(server.base, { url: 'https://example.com/plain' })).body;
    const tagged = (await createLink(server.base, {
      url: 'https://example.com/landing?utm_source=Link&utm_medium=social&utm_campaign=spring#top',
    })).body;
    const visits = [
      [plain.slug, '?utm_source=newsletter&utm_medium=email&utm_campaign=spring', 3],
      [plain.slug, '?utm_source=NewsLetter&utm_medium=Email&utm_campaign=Spring&utm_term=shoes&utm_content=banner', 2],
      [plain.slug, '?utm_source=twitter', 1],
      [plain.slug, '', 4],  // no UTM: in no UTM breakdown
      [tagged.slug, '', 2],  // the destination's
      [tagged.slug, '?utm_source=visit', 1],  // the visit's source wins; medium and campaign from the destination
    ];
    for (const [slug, query, n] of visits) {
      for (let i = 0; i < n; i++) {
        const r = await follow(server.base, `${slug}${query}`, AS_BROWSER);
        assert.equal(r.status, 302);
      }
    }
    // A bot's visit counts only with bots=include.
    await follow(server.base, `${plain.slug}?utm_source=crawler`, { headers: { 'user-agent': 'Googlebot/2.1 (+http://www.google.com/bot.html)' } });
    await waitFor(async () => (await clicksOf(server.base, plain.slug)) === 11 && (await clicksOf(server.base, tagged.slug)) === 3,
      10_000, 'clicks stored');

    const stats = (await api(server.base, `/api/v1/links/${plain.slug}/stats?interval=day`)).body;
    assert.deepEqual(counts(stats.utm.source), { newsletter: 5, twitter: 1 });
    assert.deepEqual(counts(stats.utm.medium), { email: 5, '': 1 });
    assert.deepEqual(counts(stats.utm.campaign), { spring: 5, '': 1 });
    assert.deepEqual(counts(stats.utm.term), { '': 4, shoes: 2 });
    assert.deepEqual(counts(stats.utm.content), { '': 4, banner: 2 });
    assert.deepEqual(stats.utm.source[0], { key: 'newsletter', clicks: 5, human_clicks: 5, bot_clicks: 0 });
    const withBots = (await api(server.base, `/api/v1/links/${plain.slug}/stats?interval=day&bots=include`)).body;
    assert.deepEqual(counts(withBots.utm.source), { newsletter: 5, twitter: 1, crawler: 1 });

    const t = (await api(server.base, `/api/v1/links/${tagged.slug}/stats?interval=day`)).body;
    assert.deepEqual(counts(t.utm.source), { link: 2, visit: 1 });
    assert.deepEqual(counts(t.utm.medium), { social: 3 });
    assert.deepEqual(counts(t.utm.campaign), { spring: 3 });

    const rows = (await api(server.base, `/api/v1/links/${tagged.slug}/clicks?format=ndjson`)).text.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(rows.map((r) => r.utm_source).sort(), ['link', 'link', 'visit']);

    const overview = (await api(server.base, '/api/v1/stats')).body;
    assert.deepEqual(counts(overview.utm.source), { newsletter: 5, link: 2, twitter: 1, visit: 1 });
    assert.deepEqual(counts(overview.utm.medium), { email: 5, social: 3, '': 1 });
    assert.deepEqual(counts(overview.utm.campaign), { spring: 8, '': 1 });
    const overviewBots = (await api(server.base, '/api/v1/stats?bots=include')).body;
    assert.equal(counts(overviewBots.utm.source).crawler, 1);
  });

  test('a link without UTM clicks has empty UTM breakdowns', async () => {
    const link = (await createLink(server.base, { url: 'https://example.com/none' })).body;
    await follow(server.base, link.slug, AS_BROWSER);
    await waitFor(async () => (await clicksOf(server.base, link.slug)) === 1, 10_000, 'click stored');
    const stats = (await api(server.base, `/api/v1/links/${link.slug}/stats?interval=day`)).body;
    assert.deepEqual(stats.utm, { source: [], medium: [], campaign: [], term: [], content: [] });
  });
});
