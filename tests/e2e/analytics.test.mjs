// Analytics (issue #5) end to end: stats from the rollups, the streamed click export (CSV and NDJSON), live
// updates over Server-Sent Events (a redirect reaches an open stream within a second; Last-Event-ID resumes
// without losing an event), and the 400/404/410 cases. Runs in both modes (SHORTENER_E2E_DISTRIBUTED=1).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { DISTRIBUTED, api, clicksOf, createLink, follow, startServer, waitFor } from './support.mjs';

/** Opens an SSE stream; `next(pred, ms)` resolves with the first event (old or new) matching `pred`. */
async function openSse(base, pathname, headers = {}) {
  const controller = new AbortController();
  const res = await fetch(base + pathname, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/event-stream/);
  const events = [];
  const waiters = [];
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const e = { id: null, event: 'message', data: '', at: Date.now() };
          let any = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const i = line.indexOf(':');
            const field = i < 0 ? line : line.slice(0, i);
            const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
            if (field === 'id') e.id = value;
            else if (field === 'event') e.event = value;
            else if (field === 'data') e.data += value;
            else continue;
            any = true;
          }
          if (!any || (e.data === '' && e.event === 'message')) continue;
          if (e.data) e.json = JSON.parse(e.data);
          events.push(e);
          for (const w of [...waiters]) w();
        }
      }
    } catch {}
  })();
  return {
    events,
    next(pred, timeoutMs = 3000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.find(pred);
          if (found) {
            waiters.splice(waiters.indexOf(check), 1);
            clearTimeout(timer);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(check), 1);
          reject(new Error(`no matching event in ${timeoutMs} ms; got ${JSON.stringify(events.map((e) => [e.id, e.event]))}`));
        }, timeoutMs);
        waiters.push(check);
        check();
      });
    },
    close() {
      controller.abort();
    },
  };
}

/** RFC 4180 parser: rows of fields. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') {
        quoted = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
    i++;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

describe('analytics', () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  test('a redirect reaches an open live stream within a second', async () => {
    const link = await createLink(server.base, { url: 'https://example.com/live' });
    assert.equal(link.status, 201);
    const slug = link.body.slug;
    const sse = await openSse(server.base, `/api/v1/links/${slug}/live`);
    try {
      const snap = await sse.next((e) => e.event === 'snapshot');
      assert.equal(snap.id, '0');
      assert.equal(snap.json.totals.clicks, 0);
      const latencies = [];
      for (let n = 1; n <= 3; n++) {
        const t0 = Date.now();
        assert.equal((await follow(server.base, slug)).status, 302);
        const e = await sse.next((x) => x.event === 'clicks' && Number(x.id) >= n, 2000);
        latencies.push(e.at - t0);
        assert.equal(e.json.slug, slug);
        assert.ok(e.json.totals.clicks >= n);
      }
      for (const ms of latencies) assert.ok(ms < 1000, `click-to-event ${ms} ms`);
    } finally {
      sse.close();
    }
  });

  test('distributed: a redirect on one API replica reaches a live stream on another within a second',
    { skip: !DISTRIBUTED && 'distributed mode only (SHORTENER_E2E_DISTRIBUTED=1)' }, async () => {
      const other = await startServer({ dataDir: server.dataDir });
      try {
        const link = await createLink(server.base, { url: 'https://example.com/replicas' });
        const slug = link.body.slug;
        const sse = await openSse(other.base, `/api/v1/links/${slug}/live`);
        try {
          await sse.next((e) => e.event === 'snapshot');
          for (let n = 1; n <= 3; n++) {
            const t0 = Date.now();
            assert.equal((await follow(server.base, slug)).status, 302);
            const e = await sse.next((x) => x.event === 'clicks' && Number(x.id) >= n, 2000);
            assert.ok(e.at - t0 < 1000, `click-to-event ${e.at - t0} ms`);
          }
        } finally {
          sse.close();
        }
      } finally {
        await other.stop();
      }
    });

  test('Last-Event-ID resumes without losing an event', async () => {
    const link = await createLink(server.base, { url: 'https://example.com/resume' });
    const slug = link.body.slug;
    const first = await openSse(server.base, `/api/v1/links/${slug}/live`);
    await first.next((e) => e.event === 'snapshot');
    await follow(server.base, slug);
    const e1 = await first.next((e) => e.event === 'clicks');
    first.close();
    // Three clicks while disconnected, then resume from the last id seen.
    for (let i = 0; i < 3; i++) {
      await follow(server.base, slug, { headers: { 'user-agent': `resume-${i}` } });
      await waitFor(async () => (await clicksOf(server.base, slug)) === 2 + i, 5000, 'click stored');
    }
    const second = await openSse(server.base, `/api/v1/links/${slug}/live`, { 'last-event-id': e1.id });
    try {
      const last = await second.next((e) => e.id === '4');
      assert.equal(last.json.totals.clicks, 4);
      const replayed = second.events.filter((e) => e.event === 'clicks');
      assert.equal(second.events.filter((e) => e.event === 'snapshot').length, 0, 'resumed, not re-snapshotted');
      assert.equal(replayed.reduce((n, e) => n + e.json.batch.clicks, 0), 3, 'every missed click replayed once');
      // An id the server cannot resume from gets a snapshot with the current totals.
      const third = await openSse(server.base, `/api/v1/links/${slug}/live`, { 'last-event-id': '999' });
      const snap = await third.next((e) => e.event === 'snapshot');
      assert.equal(snap.json.totals.clicks, 4);
      third.close();
    } finally {
      second.close();
    }
  });

  test('the overview stream sees clicks of every link', async () => {
    const link = await createLink(server.base, { url: 'https://example.com/overview' });
    const sse = await openSse(server.base, '/api/v1/live');
    try {
      await sse.next((e) => e.event === 'snapshot');
      await follow(server.base, link.body.slug);
      const e = await sse.next((x) => x.event === 'clicks' && x.json.slug === link.body.slug);
      assert.ok(e.json.batch.clicks >= 1);
    } finally {
      sse.close();
    }
  });

  test('export round-trips: rows equal clicks, special characters quoted (CSV and NDJSON)', async () => {
    const link = await createLink(server.base, { url: 'https://example.com/export' });
    const slug = link.body.slug;
    const agents = ['Mozilla/5.0 (X11; Linux x86_64) "quoted", comma', 'plain-agent', 'semi;colon "q" ,,'];
    const referers = ['https://ref.example/a,b?q="x"', 'https://ref.example/plain', 'https://ref.example/"'];
    for (let i = 0; i < 9; i++) {
      await follow(server.base, slug, { headers: { 'user-agent': agents[i % 3], referer: referers[i % 3] } });
    }
    await waitFor(async () => (await clicksOf(server.base, slug)) === 9, 5000, 'clicks stored');
    const csv = await fetch(`${server.base}/api/v1/links/${slug}/clicks?format=csv`);
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type'), /^text\/csv/);
    const rows = parseCsv(await csv.text());
    const header = rows[0];
    assert.ok(header.includes('user_agent') && header.includes('referer'));
    assert.ok(!header.some((h) => /ip|address/i.test(h)), 'no address column');
    const data = rows.slice(1);
    assert.equal(data.length, 9);
    const ua = header.indexOf('user_agent');
    const ref = header.indexOf('referer');
    for (const r of data) assert.equal(r.length, header.length);
    assert.deepEqual(data.map((r) => r[ua]).sort(), [...agents, ...agents, ...agents].sort());
    assert.deepEqual(data.map((r) => r[ref]).sort(), [...referers, ...referers, ...referers].sort());
    const nd = await fetch(`${server.base}/api/v1/links/${slug}/clicks?format=ndjson`);
    const lines = (await nd.text()).trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 9);
    assert.deepEqual(lines.map((l) => l.user_agent).sort(), [...agents, ...agents, ...agents].sort());
    // A range that holds nothing: just the header.
    const empty = await fetch(`${server.base}/api/v1/links/${slug}/clicks?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z`);
    assert.equal(parseCsv(await empty.text()).length, 1);
  });

  test('stats: totals, zero-filled series in a time zone, breakdowns', async () => {
    const link = await createLink(server.base, { url: 'https://example.com/stats' });
    const slug = link.body.slug;
    for (let i = 0; i < 4; i++) {
      await follow(server.base, slug, { headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0 Safari/537.36', referer: 'https://www.google.com/' } });
    }
    await waitFor(async () => (await clicksOf(server.base, slug)) === 4, 5000, 'clicks stored');
    const r = await api(server.base, `/api/v1/links/${slug}/stats?interval=day&tz=Asia/Kolkata`);
    assert.equal(r.status, 200);
    assert.equal(r.body.totals.clicks, 4);
    assert.equal(r.body.tz, 'Asia/Kolkata');
    assert.ok(r.body.timeseries.length >= 7);
    for (const p of r.body.timeseries) assert.match(p.t, /T00:00:00\+05:30$/);
    assert.equal(r.body.timeseries.reduce((n, p) => n + p.clicks, 0), 4);
    assert.deepEqual(r.body.referrers[0], { key: 'google.com', class: 'search', clicks: 4, human_clicks: 4, bot_clicks: 0 });
    for (const k of ['countries', 'regions', 'cities', 'sources', 'browsers', 'os', 'devices', 'languages']) {
      assert.ok(Array.isArray(r.body[k]), k);
    }
    const hourly = await api(server.base, `/api/v1/links/${slug}/stats`);
    assert.equal(hourly.body.interval, 'hour');
    assert.equal(hourly.body.tz, 'UTC');
    assert.equal(hourly.body.bots, 'exclude');
    assert.ok(hourly.body.timeseries.length >= 7 * 24);
    const overview = await api(server.base, '/api/v1/stats');
    assert.equal(overview.status, 200);
    assert.ok(overview.body.top_links.some((l) => l.slug === slug && l.clicks === 4));
  });

  test('the overview is kept for SHORTENER_OVERVIEW_CACHE_MS; 0 turns the cache off', async () => {
    const metric = async (base, result) => {
      const m = (await api(base, '/metrics')).text.match(new RegExp(`^shortener_overview_cache_total\\{result="${result}"\\} (\\d+)`, 'm'));
      return m ? Number(m[1]) : null;
    };
    const clicksIn = async (base, slug) => (await api(base, '/api/v1/stats')).body.top_links.find((l) => l.slug === slug)?.clicks ?? 0;
    // A minute: longer than this test, so the cached server must answer from its cache (the background
    // recomputation of stale answers has its unit tests: tests/store/overview_cache_test.cpp).
    const browser = { headers: { 'user-agent': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0 Safari/537.36' } };
    const cached = await startServer({ env: { SHORTENER_OVERVIEW_CACHE_MS: '60000' } });
    const uncached = await startServer({ env: { SHORTENER_OVERVIEW_CACHE_MS: '0' } });
    try {
      for (const s of [cached, uncached]) {
        const slug = (await createLink(s.base, { url: 'https://example.com/overview-cache' })).body.slug;
        await follow(s.base, slug, browser);
        await waitFor(async () => (await clicksOf(s.base, slug)) === 1, 5000, 'first click stored');
        assert.equal(await clicksIn(s.base, slug), 1);
        await follow(s.base, slug, browser);
        await waitFor(async () => (await clicksOf(s.base, slug)) === 2, 5000, 'second click stored');
        s.slug = slug;
      }
      assert.equal(await clicksIn(cached.base, cached.slug), 1, 'the cached answer');
      assert.equal(await metric(cached.base, 'miss'), 1);
      assert.equal(await metric(cached.base, 'fresh'), 1);
      assert.equal(await clicksIn(uncached.base, uncached.slug), 2, 'no cache: computed again');
      assert.equal(await metric(uncached.base, 'miss'), null, 'no cache metrics when it is off');
    } finally {
      await cached.stop();
      await uncached.stop();
    }
  });

  test('stats and export errors', async () => {
    const link = await createLink(server.base, { url: 'https://example.com/errors' });
    const slug = link.body.slug;
    const cases = [
      ['tz=Mars/Olympus', 'invalid_tz'],
      ['interval=fortnight', 'invalid_interval'],
      ['interval=minute&from=2025-01-01T00:00:00Z&to=2025-03-01T00:00:00Z', 'too_many_buckets'],
      ['from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z', 'invalid_range'],
      ['from=yesterday', 'invalid_range'],
      ['from=1990-01-01T00:00:00Z&to=2025-01-01T00:00:00Z&interval=month', 'range_too_large'],
      ['bots=maybe', 'invalid_query'],
    ];
    for (const [q, code] of cases) {
      const r = await api(server.base, `/api/v1/links/${slug}/stats?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal(r.body.error.code, code, q);
    }
    assert.equal((await api(server.base, `/api/v1/links/${slug}/clicks?format=xml`)).status, 400);
    assert.equal((await api(server.base, '/api/v1/links/nosuchlink/stats')).status, 404);
    assert.equal((await api(server.base, '/api/v1/links/nosuchlink/live')).status, 404);
    assert.equal((await api(server.base, '/api/v1/links/nosuchlink/clicks')).status, 404);
    assert.equal((await api(server.base, `/api/v1/links/${slug}`, { method: 'DELETE' })).status, 204);
    assert.equal((await api(server.base, `/api/v1/links/${slug}/stats`)).status, 410);
    assert.equal((await api(server.base, `/api/v1/links/${slug}/clicks`)).status, 410);
  });
});
