// Reads on a streaming replica (issue #18, DATABASE_READ_URL): a real hot standby made with pg_basebackup,
// streaming from a private primary. Link lists and stats read there; what this server has just written is read
// from the primary until the standby has replayed it (read-your-writes), and a standby that is gone is skipped.
// Needs Debian's postgresql-15 and redis-server (SHORTENER_TEST_REDIS_URL); skips without them (fails under CI).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { psqlValue, servicesAvailable, startPostgres, startStandby } from './services.mjs';
import { AS_BROWSER, api, createLink, follow, makeDataDir, startServer, startWorker, waitFor } from './support.mjs';

const REDIS = process.env.SHORTENER_TEST_REDIS_URL;
const missing = !REDIS || !servicesAvailable();
const skip = process.env.SHORTENER_E2E_DISTRIBUTED === '1' ? 'run once, by the main e2e run'
  : missing && !process.env.CI ? 'needs SHORTENER_TEST_REDIS_URL and postgresql-15 (scripts/test.sh)' : false;

// The counter shortener_db_reads_total with exactly these labels (0 when absent).
async function reads(base, labels) {
  const text = (await api(base, '/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`shortener_db_reads_total{${labels}} `));
  return line ? Number(line.split(' ')[1]) : 0;
}
const REPLICA = 'served_by="replica"';
const BEHIND = 'served_by="primary",reason="replica_behind"';
const UNAVAILABLE = 'served_by="primary",reason="replica_unavailable"';

const listed = async (base) => (await api(base, '/api/v1/links?limit=100')).body.items.map((l) => l.slug);
const totalClicks = async (base, slug) => (await api(base, `/api/v1/links/${slug}/stats`)).body.totals.clicks;

describe('distributed: reads on a streaming replica', { skip, concurrency: false }, () => {
  test('lists and stats read the standby; our own writes read the primary until replayed; a lost standby is skipped',
    { timeout: 120_000 }, async () => {
      const primary = await startPostgres();
      const standby = await startStandby(primary);
      const dsn = primary.createDb('replica_e2e');
      const readDsn = standby.dsn('replica_e2e');
      await waitFor(() => psqlValue(readDsn, 'SELECT pg_is_in_recovery()') === 't', 10_000, 'the standby has the database');
      const dataDir = makeDataDir();
      const env = { DATABASE_URL: dsn, DATABASE_READ_URL: readDsn, REDIS_URL: REDIS, SHORTENER_REDIS_PREFIX: `replica_${process.pid}:` };
      const server = await startServer({ env, dataDir });
      const worker = await startWorker({ env, dataDir });
      try {
        // Read-your-writes: each link is in the very next list, whichever server answers it.
        for (let i = 0; i < 10; i++) {
          const r = await createLink(server.base, { url: `https://example.com/r/${i}`, slug: `rep-${i}` });
          assert.equal(r.status, 201, r.text);
          assert.ok((await listed(server.base)).includes(`rep-${i}`), `rep-${i} listed right after its create`);
        }
        // Once the standby has replayed our writes, it answers.
        const before = await reads(server.base, REPLICA);
        await waitFor(async () => (await listed(server.base)).length === 10 && (await reads(server.base, REPLICA)) > before,
          10_000, 'a list answered by the standby');

        // The standby stops replaying: our next write is not there, so reads go to the primary and still see it.
        psqlValue(readDsn, 'SELECT pg_wal_replay_pause()');
        const behind = await reads(server.base, BEHIND);
        assert.equal((await createLink(server.base, { url: 'https://example.com/r/paused', slug: 'rep-paused' })).status, 201);
        assert.ok((await listed(server.base)).includes('rep-paused'), 'our own write is listed while the standby lags');
        assert.equal(psqlValue(readDsn, "SELECT count(*) FROM links WHERE slug = 'rep-paused'"), '0', 'the standby really lacks it');
        assert.ok((await reads(server.base, BEHIND)) > behind, 'the list was answered by the primary');
        assert.equal((await follow(server.base, 'rep-paused', AS_BROWSER)).status, 302);
        await waitFor(async () => (await totalClicks(server.base, 'rep-paused')) === 1, 10_000, 'the click in the stats (primary)');

        // Replaying again: the standby catches up and answers lists and stats.
        psqlValue(readDsn, 'SELECT pg_wal_replay_resume()');
        const resumed = await reads(server.base, REPLICA);
        await waitFor(async () => (await totalClicks(server.base, 'rep-paused')) === 1 && (await reads(server.base, REPLICA)) > resumed,
          10_000, 'stats answered by the standby');
        assert.equal((await follow(server.base, 'rep-3', AS_BROWSER)).status, 302);
        await waitFor(async () => (await totalClicks(server.base, 'rep-3')) === 1, 10_000, 'a new click through the standby');

        // The standby goes away: reads fall back to the primary instead of failing.
        await standby.stop();
        const unavailable = await reads(server.base, UNAVAILABLE);
        assert.equal((await listed(server.base)).length, 11);
        assert.equal(await totalClicks(server.base, 'rep-3'), 1);
        assert.ok((await reads(server.base, UNAVAILABLE)) > unavailable, 'answered by the primary, the standby being down');
      } finally {
        await worker.stop();
        await server.stop();
        await primary.stop();
      }
    });
});
