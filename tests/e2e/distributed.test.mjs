// Distributed mode under faults (issue #3): API replicas and workers on PostgreSQL + Redis, with processes and
// servers killed or stopped in the middle of click bursts. Every click must be stored exactly once.
// Needs Debian's postgresql-15 and redis-server, and SHORTENER_TEST_PG_DSN / SHORTENER_TEST_REDIS_URL for the
// shared servers (scripts/test.sh); without them the tests skip (and fail under CI).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';

import { burst, psqlValue, servicesAvailable, sleep, startPostgres, startRedis } from './services.mjs';
import { api, clicksOf, createDatabase, createLink, follow, makeDataDir, startServer, startWorker, waitFor } from './support.mjs';

const PG = process.env.SHORTENER_TEST_PG_DSN;
const REDIS = process.env.SHORTENER_TEST_REDIS_URL;
const missing = !PG || !REDIS || !servicesAvailable();
// The run of the shared suite in distributed mode (SHORTENER_E2E_DISTRIBUTED=1) leaves these to the main run.
const skip = process.env.SHORTENER_E2E_DISTRIBUTED === '1' ? 'run once, by the main e2e run'
  : missing && !process.env.CI ? 'needs SHORTENER_TEST_PG_DSN, SHORTENER_TEST_REDIS_URL (scripts/test.sh)' : false;

let counter = 0;
// A fresh database on the shared server and a fresh Redis prefix: a deployment of its own.
function deployment({ pgDsn, redisUrl } = {}) {
  if (missing) throw new Error('distributed e2e: SHORTENER_TEST_PG_DSN / SHORTENER_TEST_REDIS_URL not set');
  const name = `fault_${process.pid}_${++counter}_${Date.now() % 100000}`;
  let dsn = pgDsn;
  if (!dsn) {
    createDatabase(PG, name);
    const url = new URL(PG);
    url.pathname = `/${name}`;
    dsn = url.toString();
  }
  return {
    dsn,
    env: {
      DATABASE_URL: dsn,
      REDIS_URL: redisUrl ?? REDIS,
      SHORTENER_REDIS_PREFIX: `${name}:`,
      SHORTENER_CLAIM_IDLE_MS: '1000',
    },
  };
}

const storedRows = (dsn) => Number(psqlValue(dsn, 'SELECT count(*) FROM clicks'));

// The value of an unlabelled counter in a server's /metrics (0 when absent).
async function metricValue(base, name) {
  const text = (await api(base, '/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

describe('distributed mode', { skip, concurrency: false }, () => {
  test('kill -9 a worker in the middle of a 100,000-click burst: exactly 100,000 stored', { timeout: 120_000 }, async () => {
    const d = deployment();
    const dataDir = makeDataDir();
    const server = await startServer({ env: d.env, dataDir });
    let worker = await startWorker({ env: d.env, dataDir });
    let replacement;
    try {
      const link = (await createLink(server.base, { url: 'https://example.com/burst' })).body;
      let killed = false;
      const load = burst(server.port, link.slug, 100_000, { connections: 32, depth: 50 });
      // Kill the worker once it is busy storing.
      await waitFor(async () => (await clicksOf(server.base, link.slug)) >= 10_000, 60_000, 'the worker to store 10,000 clicks', 20);
      worker.proc.kill('SIGKILL');
      await worker.exited;
      killed = true;
      // Whether the dead worker held unacknowledged entries (it may have died between batches, holding none).
      const prefix = d.env.SHORTENER_REDIS_PREFIX;
      const pending = spawnSync('redis-cli', ['-u', REDIS, 'XPENDING', `${prefix}clicks`, `${prefix}workers`], { encoding: 'utf8' });
      const deadHeld = Number((pending.stdout || '0').split('\n')[0]) > 0;
      replacement = await startWorker({ env: d.env, dataDir });
      const r = await load;
      assert.ok(killed);
      assert.equal(r.ok, 100_000, JSON.stringify(r.statuses));
      await waitFor(async () => (await clicksOf(server.base, link.slug)) >= 100_000, 60_000, 'every click stored', 100);
      await sleep(1500);  // anything replayed or claimed late must not count twice
      assert.equal(await clicksOf(server.base, link.slug), 100_000);
      assert.equal(storedRows(d.dsn), 100_000);
      if (deadHeld) {
        assert.ok(replacement.logs().some((e) => e.msg === 'clicks_claimed'), 'the new worker claimed the dead one\'s clicks');
      }
    } finally {
      await server.stop();
      await replacement?.stop();
      await worker.stop();
    }
  });

  test('Redis stopped for 10 s during a burst: no redirect fails, no click is lost', { timeout: 120_000 }, async () => {
    const redis = await startRedis();
    const d = deployment({ redisUrl: redis.url });
    const dataDir = makeDataDir();
    const server = await startServer({ env: { ...d.env, SHORTENER_CLICK_SPILL_THRESHOLD: '1000' }, dataDir });
    const worker = await startWorker({ env: d.env, dataDir });
    try {
      const link = (await createLink(server.base, { url: 'https://example.com/redis-down' })).body;
      assert.equal((await follow(server.base, link.slug)).status, 302);  // warm the caches
      const first = await burst(server.port, link.slug, 20_000, { connections: 16, depth: 20 });
      await redis.stop();
      const down = Date.now();
      let during = { ok: 0, failed: 0 };
      while (Date.now() - down < 10_000) {
        const r = await burst(server.port, link.slug, 2_000, { connections: 8, depth: 10 });
        during = { ok: during.ok + r.ok, failed: during.failed + r.failed };
        await sleep(200);
      }
      const ready = await api(server.base, '/readyz');
      assert.equal(ready.status, 200, 'Redis down degrades, it does not make the API unready');
      assert.match(ready.body.checks.redis, /^degraded/);
      await redis.start();
      const last = await burst(server.port, link.slug, 10_000, { connections: 16, depth: 20 });
      assert.equal(first.failed + during.failed + last.failed, 0, 'no redirect failed');
      const total = first.ok + during.ok + last.ok;
      await waitFor(async () => (await clicksOf(server.base, link.slug)) >= total + 1, 60_000, `${total + 1} clicks stored`, 100);
      await sleep(1000);
      assert.equal(await clicksOf(server.base, link.slug), total + 1);
      assert.ok(server.logs().some((e) => e.msg === 'clicks_journaled'), 'clicks went to the journal while Redis was down');
      assert.ok(server.logs().some((e) => e.msg === 'click_journal_replayed'));
      assert.equal(server.logs().filter((e) => e.msg === 'redis_unavailable' && e.connection === 'cache').length, 1,
        'logged once per state change');
    } finally {
      await server.stop();
      await worker.stop();
      await redis.stop();
    }
  });

  test('PostgreSQL stopped for 10 s during a burst: cached redirects succeed, every click lands', { timeout: 120_000 }, async () => {
    const pg = await startPostgres();
    const d = deployment({ pgDsn: pg.createDb('faults') });
    const dataDir = makeDataDir();
    const server = await startServer({ env: d.env, dataDir });
    const worker = await startWorker({ env: d.env, dataDir });
    try {
      const link = (await createLink(server.base, { url: 'https://example.com/pg-down' })).body;
      assert.equal((await follow(server.base, link.slug)).status, 302);  // now in L1 and L2
      const first = await burst(server.port, link.slug, 20_000, { connections: 16, depth: 20 });
      await pg.stop();
      const down = Date.now();
      let during = { ok: 0, failed: 0 };
      let created;
      while (Date.now() - down < 10_000) {
        const r = await burst(server.port, link.slug, 2_000, { connections: 8, depth: 10 });
        during = { ok: during.ok + r.ok, failed: during.failed + r.failed };
        created ??= await createLink(server.base, { url: 'https://example.com/while-down' });
        await sleep(200);
      }
      assert.equal(created.status, 503, created.text);
      assert.ok(created.headers.get('retry-after'), 'Retry-After on 503');
      assert.equal((await api(server.base, '/readyz')).status, 503);
      await pg.start();
      const last = await burst(server.port, link.slug, 10_000, { connections: 16, depth: 20 });
      assert.equal(first.failed + during.failed + last.failed, 0, 'no cached redirect failed');
      const total = first.ok + during.ok + last.ok + 1;
      await waitFor(async () => (await api(server.base, `/api/v1/links/${link.slug}`)).body?.clicks >= total, 60_000,
        `${total} clicks stored`, 200);
      await sleep(1000);
      assert.equal(await clicksOf(server.base, link.slug), total);
      assert.equal(storedRows(d.dsn), total);
      assert.ok(worker.logs().some((e) => e.msg === 'click_batch_failed'), 'the worker retried while PostgreSQL was down');
    } finally {
      await server.stop();
      await worker.stop();
      await pg.stop().catch(() => {});
    }
  });

  test('two API processes and two workers on one PostgreSQL and Redis: counts exact, changes seen everywhere', { timeout: 120_000 }, async () => {
    const d = deployment();
    const [a, b] = [await startServer({ env: d.env }), await startServer({ env: d.env })];
    const workers = [await startWorker({ env: d.env }), await startWorker({ env: d.env })];
    try {
      const one = (await createLink(a.base, { url: 'https://example.com/one' })).body;
      const two = (await createLink(b.base, { url: 'https://example.com/two' })).body;
      // Each API resolves the other's link (through Redis or PostgreSQL).
      assert.equal((await follow(b.base, one.slug)).location, 'https://example.com/one');
      assert.equal((await follow(a.base, two.slug)).location, 'https://example.com/two');
      const [r1, r2] = await Promise.all([
        burst([a.port, b.port], one.slug, 30_000, { connections: 16, depth: 25 }),
        burst([b.port, a.port], two.slug, 20_000, { connections: 16, depth: 25 }),
      ]);
      assert.equal(r1.ok, 30_000);
      assert.equal(r2.ok, 20_000);
      await waitFor(async () => (await clicksOf(a.base, one.slug)) >= 30_001 && (await clicksOf(b.base, two.slug)) >= 20_001,
        60_000, 'every click stored', 100);
      await sleep(1000);
      assert.equal(await clicksOf(a.base, one.slug), 30_001);
      assert.equal(await clicksOf(b.base, two.slug), 20_001);
      assert.equal(storedRows(d.dsn), 50_002);
      for (const w of workers) assert.ok(w.logs().length > 0);

      // A change on one replica reaches the other's L1 within a second (pub/sub invalidation).
      const patched = await api(a.base, `/api/v1/links/${one.slug}`, { method: 'PATCH', json: { url: 'https://example.com/changed' } });
      assert.equal(patched.status, 200, patched.text);
      await waitFor(async () => (await follow(b.base, one.slug)).location === 'https://example.com/changed', 1000,
        'the other replica to follow the change');
      assert.equal((await api(b.base, `/api/v1/links/${two.slug}`, { method: 'DELETE' })).status, 204);
      await waitFor(async () => (await follow(a.base, two.slug)).status === 410, 1000, 'the other replica to see the delete');
    } finally {
      await Promise.all([a.stop(), b.stop(), ...workers.map((w) => w.stop())]);
    }
  });

  // Issue #12: a Redis restart (data lost) makes each replica re-subscribe and mark its L1 for revalidation; a
  // PostgreSQL outage right after must not turn the links it served into 503s (stale-if-error).
  test('Redis restarted empty, then PostgreSQL stopped: seen links still redirect on both replicas, clicks exact', { timeout: 90_000 }, async () => {
    const pg = await startPostgres();
    const redis = await startRedis({ persist: false });
    const d = deployment({ pgDsn: pg.createDb('stale'), redisUrl: redis.url });
    const [a, b] = [await startServer({ env: d.env }), await startServer({ env: d.env })];
    const worker = await startWorker({ env: d.env });
    const replicas = [a, b];
    try {
      const links = [];
      for (let i = 0; i < 5; i++) {
        const r = await createLink(a.base, { url: `https://example.com/stale/${i}` });
        assert.equal(r.status, 201, r.text);
        links.push(r.body);
      }
      const expected = new Map(links.map((l) => [l.slug, 0]));
      const redirectAll = async (what) => {
        for (const link of links) {
          for (const server of replicas) {
            const r = await follow(server.base, link.slug);
            assert.equal(r.status, 302, `${what}: ${link.slug} on :${server.port}: ${r.status} ${r.text}`);
            assert.equal(r.location, link.long_url, what);
            expected.set(link.slug, expected.get(link.slug) + 1);
          }
        }
      };
      const allStored = async () => {
        for (const link of links) if ((await clicksOf(a.base, link.slug)) !== expected.get(link.slug)) return false;
        return true;
      };
      await redirectAll('before the faults');
      // Drained first: the clicks still in the stream would go with Redis's data.
      await waitFor(allStored, 20_000, 'the first clicks stored', 100);

      const resubscribed = (server) => server.logs().filter((e) => e.msg === 'l1_cache_marked_stale').length;
      const before = replicas.map(resubscribed);
      await redis.stop();
      await redis.start();
      await waitFor(() => replicas.every((server, i) => resubscribed(server) > before[i]), 10_000,
        'both replicas to re-subscribe', 50);
      const marked = replicas.map((server) => server.logs().filter((e) => e.msg === 'l1_cache_marked_stale').at(-1));
      for (const m of marked) assert.ok(Number(m.entries) >= links.length, `L1 kept its links: ${JSON.stringify(m)}`);

      await pg.stop();
      const staleBefore = await Promise.all(replicas.map((s) => metricValue(s.base, 'shortener_stale_redirects_total')));
      const rounds = 3;
      for (let round = 0; round < rounds; round++) await redirectAll(`PostgreSQL down, round ${round}`);
      const staleAfter = await Promise.all(replicas.map((s) => metricValue(s.base, 'shortener_stale_redirects_total')));
      for (let i = 0; i < replicas.length; i++) {
        assert.equal(staleAfter[i] - staleBefore[i], rounds * links.length, `stale answers counted on replica ${i}`);
      }
      // A slug this deployment never had is not invented: 503 while the store is down.
      assert.equal((await follow(a.base, 'nosuch1')).status, 503);

      await pg.start();
      await sleep(1100);  // the resolver's hold-off after a failed store (LinkResolver::kRetryStoresAfter)
      // Revalidated now that the store answers: fresh again, no more stale answers.
      await redirectAll('PostgreSQL back');
      assert.equal(await metricValue(a.base, 'shortener_stale_redirects_total'), staleAfter[0]);
      await waitFor(allStored, 30_000, 'every click stored', 200);
      await sleep(1000);  // anything retried or claimed late must not count twice
      assert.ok(await allStored(), 'no click counted twice');
      const total = [...expected.values()].reduce((x, y) => x + y, 0);
      assert.equal(storedRows(d.dsn), total);
    } finally {
      await Promise.all([a.stop(), b.stop(), worker.stop()]);
      await pg.stop().catch(() => {});
      await redis.stop();
    }
  });
});
