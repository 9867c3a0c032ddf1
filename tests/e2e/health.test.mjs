// Destination health (issue #15, docs/health.md): the worker checks each link's destination against local HTTP
// servers answering 200, 404, 405 to HEAD (then 200 to GET), a redirect chain, 500-then-200 (recovery) and one that
// never answers (timeout). Statuses and final URLs in the API, broken after SHORTENER_HEALTH_FAIL_THRESHOLD failures in
// a row, recovery after one success, the ?broken= filter and the link.broken webhook. Both modes: SQLite embedded (the
// serve process's worker checks), PostgreSQL distributed (the `shortener worker` checks). The checks run every second
// here (SHORTENER_HEALTH_INTERVAL_S=1) against loopback (SHORTENER_HEALTH_ALLOW_PRIVATE=on).

import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';

import { api, createLink, errorOf, startServer, waitFor } from './support.mjs';

const ENV = {
  SHORTENER_HEALTH_INTERVAL_S: '1',
  SHORTENER_HEALTH_TIMEOUT_MS: '500',
  SHORTENER_HEALTH_FAIL_THRESHOLD: '2',
  SHORTENER_HEALTH_ALLOW_PRIVATE: 'on',
  SHORTENER_WEBHOOK_ALLOW_HTTP: 'on',
  SHORTENER_WEBHOOK_ALLOW_PRIVATE: 'on',
  SHORTENER_WEBHOOK_POLL_MS: '100',
};

// The destinations listen on another loopback address: a link to the shortener's own host (127.0.0.1, localhost) is
// refused as a redirect loop.
const DEST_HOST = '127.0.0.5';

/** The destinations: one Node server, a path per behaviour. `flaky` answers 500 until `state.flakyOk`. */
async function startDestinations() {
  const state = { flakyOk: false, requests: [] };
  const server = http.createServer((req, res) => {
    state.requests.push({ method: req.method, url: req.url, ua: req.headers['user-agent'] });
    const base = `http://${DEST_HOST}:${server.address().port}`;
    const reply = (status, headers = {}) => {
      res.writeHead(status, headers);
      res.end(req.method === 'HEAD' ? undefined : 'body');
    };
    if (req.url === '/ok') return reply(200);
    if (req.url === '/missing') return reply(404);
    if (req.url === '/head405') return reply(req.method === 'HEAD' ? 405 : 200);
    if (req.url === '/r1') return reply(302, { location: '/r2' });
    if (req.url === '/r2') return reply(301, { location: `${base}/final?x=1` });
    if (req.url === '/final?x=1') return reply(200);
    if (req.url === '/flaky') return reply(state.flakyOk ? 200 : 500);
    return reply(404);
  });
  await new Promise((resolve) => server.listen(0, DEST_HOST, resolve));
  // Accepts connections and never answers.
  const sockets = new Set();
  const silent = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  });
  await new Promise((resolve) => silent.listen(0, DEST_HOST, resolve));
  state.url = (p) => `http://${DEST_HOST}:${server.address().port}${p}`;
  state.silentUrl = `http://${DEST_HOST}:${silent.address().port}/never`;
  state.close = async () => {
    server.closeAllConnections();
    for (const s of sockets) s.destroy();
    await Promise.all([new Promise((r) => server.close(r)), new Promise((r) => silent.close(r))]);
  };
  return state;
}

/** A webhook receiver collecting every body. */
async function startReceiver() {
  const got = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      got.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.end('ok');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    got,
    url: `http://127.0.0.1:${server.address().port}/hook`,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    },
  };
}

describe('destination health', () => {
  let server;
  let dest;
  let receiver;
  const slugs = {};
  const healthOf = async (slug) => (await api(server.base, `/api/v1/links/${slug}`)).body;

  before(async () => {
    dest = await startDestinations();
    receiver = await startReceiver();
    server = await startServer({ env: ENV });
    const hook = await api(server.base, '/api/v1/webhooks', {
      method: 'POST',
      json: { url: receiver.url, events: ['link.broken'] },
    });
    assert.equal(hook.status, 201, hook.text);
    assert.deepEqual(hook.body.events, ['link.broken']);
    const targets = {
      ok: dest.url('/ok'),
      missing: dest.url('/missing'),
      head405: dest.url('/head405'),
      redirect: dest.url('/r1'),
      flaky: dest.url('/flaky'),
      silent: dest.silentUrl,
    };
    const run = Date.now().toString(36);
    for (const [name, url] of Object.entries(targets)) {
      const r = await createLink(server.base, { url, slug: `h-${name}-${run}` });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.body.broken, false);
      assert.equal(r.body.health.status, 'unknown');
      slugs[name] = r.body.slug;
    }
  });
  after(async () => {
    await server?.stop();
    await dest?.close();
    await receiver?.close();
  });

  test('a 200 is ok, with its status, final URL and check time', async () => {
    const link = await waitFor(async () => {
      const l = await healthOf(slugs.ok);
      return l.health.status === 'ok' && l;
    }, 20_000, 'ok link checked');
    assert.equal(link.broken, false);
    assert.equal(link.health.status_code, 200);
    assert.equal(link.health.final_url, dest.url('/ok'));
    assert.equal(link.health.error, null);
    assert.ok(Date.parse(link.health.checked_at) > Date.now() - 60_000);
    const checks = dest.requests.filter((r) => r.url === '/ok');
    assert.ok(checks.length > 0);
    assert.equal(checks[0].method, 'HEAD');
    assert.match(checks[0].ua, /^url-shortener-health\/1 \(\+http/);
  });

  test('a 405 to HEAD is checked again with GET', async () => {
    const link = await waitFor(async () => {
      const l = await healthOf(slugs.head405);
      return l.health.status === 'ok' && l;
    }, 20_000, 'head405 link checked');
    assert.equal(link.health.status_code, 200);
    const methods = dest.requests.filter((r) => r.url === '/head405').map((r) => r.method);
    assert.deepEqual(methods.slice(0, 2), ['HEAD', 'GET']);
  });

  test('redirects are followed and the final URL recorded', async () => {
    const link = await waitFor(async () => {
      const l = await healthOf(slugs.redirect);
      return l.health.status === 'ok' && l;
    }, 20_000, 'redirect link checked');
    assert.equal(link.health.status_code, 200);
    assert.equal(link.health.final_url, dest.url('/final?x=1'));
  });

  test('a 404 is broken after the threshold, and the link.broken webhook fires', async () => {
    const link = await waitFor(async () => {
      const l = await healthOf(slugs.missing);
      return l.broken && l;
    }, 20_000, '404 link broken');
    assert.equal(link.health.status, 'broken');
    assert.equal(link.health.status_code, 404);
    assert.equal(link.health.error, 'status 404');
    const event = await waitFor(
      () => receiver.got.find((e) => e.type === 'link.broken' && e.data.slug === slugs.missing),
      10_000, 'link.broken delivered');
    assert.equal(event.data.url, dest.url('/missing'));
  });

  test('a destination that never answers times out and is broken', async () => {
    const link = await waitFor(async () => {
      const l = await healthOf(slugs.silent);
      return l.broken && l;
    }, 20_000, 'silent link broken');
    assert.equal(link.health.status_code, null);
    assert.ok(link.health.error, 'an error is recorded');
  });

  test('?broken= filters the list; anything else is refused', async () => {
    await waitFor(async () => (await healthOf(slugs.flaky)).broken, 20_000, 'flaky link broken');
    const broken = await api(server.base, '/api/v1/links?broken=true&limit=100');
    assert.equal(broken.status, 200);
    const brokenSlugs = broken.body.items.map((l) => l.slug).sort();
    assert.deepEqual(brokenSlugs, [slugs.flaky, slugs.missing, slugs.silent].sort());
    for (const l of broken.body.items) assert.equal(l.broken, true);
    const fine = await api(server.base, '/api/v1/links?broken=false&limit=100');
    const fineSlugs = fine.body.items.map((l) => l.slug);
    for (const name of ['ok', 'head405', 'redirect']) assert.ok(fineSlugs.includes(slugs[name]), name);
    for (const name of ['missing', 'silent', 'flaky']) assert.ok(!fineSlugs.includes(slugs[name]), name);
    const bad = await api(server.base, '/api/v1/links?broken=maybe');
    assert.equal(bad.status, 400);
    assert.equal(errorOf(bad).code, 'invalid_query');
  });

  test('one success makes a broken link ok again', async () => {
    dest.flakyOk = true;
    const link = await waitFor(async () => {
      const l = await healthOf(slugs.flaky);
      return !l.broken && l.health.status === 'ok' && l;
    }, 20_000, 'flaky link recovered');
    assert.equal(link.health.status_code, 200);
    assert.equal(link.health.error, null);
    assert.equal(receiver.got.filter((e) => e.type === 'link.broken' && e.data.slug === slugs.flaky).length, 1);
  });
});
