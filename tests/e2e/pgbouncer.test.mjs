// Distributed mode through PgBouncer in transaction mode (issue #18): `shortener serve` and `shortener worker` with
// DATABASE_URL on PgBouncer 1.18 (three server connections per database, scripts/test-services.sh) and
// SHORTENER_DATABASE_STATEMENTS=unnamed. Parallel requests make the processes' client connections take turns on
// the few server connections, where a named prepared statement would be missing or already there.
// Needs SHORTENER_TEST_PG_DSN, SHORTENER_TEST_PGBOUNCER_DSN and SHORTENER_TEST_REDIS_URL (scripts/test.sh); without
// them the test skips (and fails under CI).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { psqlValue, servicesAvailable } from './services.mjs';
import { AS_BROWSER, api, clicksOf, createDatabase, createLink, follow, makeDataDir, startServer, startWorker, waitFor } from './support.mjs';

const PG = process.env.SHORTENER_TEST_PG_DSN;
const PGBOUNCER = process.env.SHORTENER_TEST_PGBOUNCER_DSN;
const REDIS = process.env.SHORTENER_TEST_REDIS_URL;
const missing = !PG || !PGBOUNCER || !REDIS || !servicesAvailable();
// The run of the shared suite in distributed mode (SHORTENER_E2E_DISTRIBUTED=1) leaves this to the main run.
const skip = process.env.SHORTENER_E2E_DISTRIBUTED === '1' ? 'run once, by the main e2e run'
  : missing && !process.env.CI ? 'needs SHORTENER_TEST_PG_DSN, SHORTENER_TEST_PGBOUNCER_DSN, SHORTENER_TEST_REDIS_URL (scripts/test.sh)'
    : false;

// The same database by two ways: through PgBouncer (the processes) and directly (the test's own checks).
function withDatabase(dsn, name) {
  const url = new URL(dsn);
  url.pathname = `/${name}`;
  return url.toString();
}

describe('through PgBouncer (transaction mode)', { skip, concurrency: false }, () => {
  test('serve + worker with unnamed statements: links, redirects, clicks, stats and lists under parallel load', { timeout: 120_000 }, async () => {
    if (missing) throw new Error('PgBouncer e2e: SHORTENER_TEST_PG_DSN / SHORTENER_TEST_PGBOUNCER_DSN / SHORTENER_TEST_REDIS_URL not set');
    const name = `pgb_${process.pid}_${Date.now() % 100000}`;
    createDatabase(PG, name);
    const env = {
      DATABASE_URL: withDatabase(PGBOUNCER, name),
      SHORTENER_DATABASE_STATEMENTS: 'unnamed',
      REDIS_URL: REDIS,
      SHORTENER_REDIS_PREFIX: `${name}:`,
    };
    const dataDir = makeDataDir();
    // Both migrate on start, through PgBouncer (the migrations hold no session state).
    const [server, worker] = await Promise.all([startServer({ env, dataDir }), startWorker({ env, dataDir })]);
    try {
      const links = 24, clicksEach = 6;
      const created = await Promise.all(Array.from({ length: links }, (_, i) =>
        createLink(server.base, { url: `https://example.com/pgbouncer/${i}` })));
      for (const r of created) assert.equal(r.status, 201, r.text);
      const slugs = created.map((r) => r.body.slug);

      const follows = await Promise.all(slugs.flatMap((slug, i) =>
        Array.from({ length: clicksEach }, () => follow(server.base, slug, AS_BROWSER).then((r) => ({ r, i })))));
      for (const { r, i } of follows) {
        assert.equal(r.status, 302);
        assert.equal(r.location, `https://example.com/pgbouncer/${i}`);
      }

      // Stored by the worker, read back by the API, all in parallel (stats count human clicks: a browser's).
      await waitFor(async () => (await Promise.all(slugs.map((s) => clicksOf(server.base, s)))).every((n) => n === clicksEach),
        30_000, 'every click stored', 100);
      const stats = await Promise.all(slugs.map((s) => api(server.base, `/api/v1/links/${s}/stats?interval=day`)));
      for (const r of stats) {
        assert.equal(r.status, 200, r.text);
        assert.equal(r.body.totals.clicks, clicksEach);
        assert.equal(r.body.timeseries.reduce((n, p) => n + p.clicks, 0), clicksEach);
      }
      const lists = await Promise.all(Array.from({ length: 8 }, () => api(server.base, '/api/v1/links?limit=100')));
      for (const r of lists) {
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(new Set(r.body.items.map((l) => l.slug)), new Set(slugs));
      }

      const direct = withDatabase(PG, name);
      assert.equal(Number(psqlValue(direct, 'SELECT count(*) FROM clicks')), links * clicksEach);
      // Two processes with pools of their own, and never more than PgBouncer's three server connections.
      const serverConnections = Number(psqlValue(direct,
        `SELECT count(*) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`));
      assert.ok(serverConnections >= 1 && serverConnections <= 3, `${serverConnections} server connections`);
    } finally {
      await server.stop();
      await worker.stop();
    }
  });
});
