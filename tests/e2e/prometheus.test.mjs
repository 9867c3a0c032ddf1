// Observability (issue #8): a real Prometheus scrapes `shortener serve`, and a real Pushgateway receives the
// metrics `shortener worker` pushes (PUSHGATEWAY_URL); both are queried through Prometheus's HTTP API.
// Needs Debian's prometheus and prometheus-pushgateway (scripts/install-deps.sh test) and, for the worker,
// SHORTENER_TEST_PG_DSN / SHORTENER_TEST_REDIS_URL; skips without them unless CI is set.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';

import { freePort } from './services.mjs';
import { createDatabase, createLink, follow, makeDataDir, startServer, startWorker, waitFor } from './support.mjs';

const PG = process.env.SHORTENER_TEST_PG_DSN;
const REDIS = process.env.SHORTENER_TEST_REDIS_URL;
const haveTools = ['prometheus', 'prometheus-pushgateway'].every((b) => spawnSync('which', [b]).status === 0);
const skip = !process.env.CI && (!haveTools || !PG || !REDIS)
  ? 'needs prometheus, prometheus-pushgateway and the test services (scripts/test.sh)' : false;

const children = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
});

async function startDaemon(cmd, args, readyUrl) {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  children.push(proc);
  await waitFor(async () => {
    try {
      return (await fetch(readyUrl)).ok;
    } catch {
      return false;
    }
  }, 20_000, `${cmd} to answer (${stderr.slice(-500)})`, 100);
  return proc;
}

async function query(promUrl, expr) {
  const r = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = await r.json();
  return body.status === 'success' ? body.data.result : [];
}

describe('Prometheus and Pushgateway', { skip }, () => {
  test('Prometheus scrapes the API; the worker pushes to the Pushgateway', { timeout: 90_000 }, async (t) => {
    const name = `prom_${process.pid}_${Date.now() % 100000}`;
    createDatabase(PG, name);
    const dsn = new URL(PG);
    dsn.pathname = `/${name}`;
    const env = { DATABASE_URL: dsn.toString(), REDIS_URL: REDIS, SHORTENER_REDIS_PREFIX: `${name}:` };

    const gatewayPort = await freePort();
    await startDaemon('prometheus-pushgateway', [`--web.listen-address=127.0.0.1:${gatewayPort}`],
      `http://127.0.0.1:${gatewayPort}/-/ready`);

    const server = await startServer({ env });
    t.after(() => server.stop());
    const workerMetricsPort = await freePort();
    const worker = await startWorker({
      env: { ...env, PUSHGATEWAY_URL: `http://127.0.0.1:${gatewayPort}`, SHORTENER_METRICS_LISTEN: `127.0.0.1:${workerMetricsPort}` },
      dataDir: makeDataDir(),
    });
    t.after(() => worker.stop());

    const link = await createLink(server.base, { url: 'https://example.com/observed' });
    for (let i = 0; i < 5; i++) assert.equal((await follow(server.base, link.body.slug)).status, 302);

    // The worker serves its own /metrics and /readyz too.
    await waitFor(async () => {
      try {
        return (await fetch(`http://127.0.0.1:${workerMetricsPort}/readyz`)).status === 200;
      } catch {
        return false;
      }
    }, 10_000, 'the worker to be ready');

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shortener-prom-'));
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), [
      'global: {scrape_interval: 1s, evaluation_interval: 1s}',
      'scrape_configs:',
      '  - job_name: shortener-api',
      `    static_configs: [{targets: ["127.0.0.1:${server.port}"]}]`,
      '  - job_name: pushgateway',
      '    honor_labels: true',
      `    static_configs: [{targets: ["127.0.0.1:${gatewayPort}"]}]`,
      '',
    ].join('\n'));
    const promPort = await freePort();
    await startDaemon('prometheus', [
      `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ], `http://127.0.0.1:${promPort}/-/ready`);
    const prom = `http://127.0.0.1:${promPort}`;

    // Redirects counted by the API, as Prometheus scraped them.
    await waitFor(async () => {
      const r = await query(prom, 'sum(shortener_http_requests_by_route_total{job="shortener-api",route="redirect",status="302"})');
      return r.length === 1 && Number(r[0].value[1]) >= 5;
    }, 30_000, 'Prometheus to scrape the redirect count');

    // Clicks stored by the worker, as it pushed them to the Pushgateway.
    await waitFor(async () => {
      const r = await query(prom, 'shortener_clicks_stored_total{job="shortener_worker"}');
      return r.length >= 1 && r.some((s) => Number(s.value[1]) >= 5);
    }, 45_000, 'the worker\'s pushed click count to reach Prometheus');
  });
});
