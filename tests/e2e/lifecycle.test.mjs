// Process lifecycle: graceful shutdown on SIGTERM/SIGINT, in-flight requests, restart with the same data.

import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';

import { AS_BROWSER, api, clicksOf, createLink, follow, makeDataDir, openRaw, runCli, startServer, waitFor } from './support.mjs';

/** Resolves 'refused' if a TCP connect is refused, 'connected' if it succeeds. */
function probeConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.on('error', (e) => resolve(e.code === 'ECONNREFUSED' ? 'refused' : e.code));
  });
}

describe('graceful shutdown', () => {
  test('SIGTERM → exit code 0, logs "shutting_down" and "stopped"', async (t) => {
    const server = await startServer();
    t.after(() => server.stop('SIGKILL'));
    assert.equal((await api(server.base, '/healthz')).status, 200);
    const code = await server.stop('SIGTERM');
    assert.equal(code, 0, server.stderrLines.join('\n'));
    const msgs = server.logs().map((l) => l.msg);
    assert.ok(msgs.includes('shutting_down'), msgs.join(','));
    assert.ok(msgs.includes('stopped'), msgs.join(','));
    assert.ok(msgs.indexOf('shutting_down') < msgs.indexOf('stopped'));
    for (const l of server.logs()) {
      assert.ok(typeof l.time === 'string' && typeof l.level === 'string', `structured log line: ${JSON.stringify(l)}`);
    }
  });

  test('SIGINT → exit code 0, logs "stopped"', async (t) => {
    const server = await startServer();
    t.after(() => server.stop('SIGKILL'));
    const code = await server.stop('SIGINT');
    assert.equal(code, 0, server.stderrLines.join('\n'));
    assert.ok(server.logs().some((l) => l.msg === 'stopped'));
  });

  test('SIGTERM with idle keep-alive connections open still exits promptly', async (t) => {
    const server = await startServer();
    t.after(() => server.stop('SIGKILL'));
    const conns = [];
    t.after(() => conns.forEach((c) => c.close()));
    for (let i = 0; i < 3; i++) {
      const c = await openRaw(server.port);
      conns.push(c);
      await c.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      assert.equal((await c.readResponses(1))[0]?.status, 200);
    }
    const started = Date.now();
    const code = await server.stop('SIGTERM');
    assert.equal(code, 0);
    assert.ok(Date.now() - started < 3000, `exited after ${Date.now() - started} ms`);
    for (const c of conns) assert.ok(await c.waitClosed(1000), 'idle connection closed by the server');
  });

  test('a request in flight at SIGTERM is answered; new connections are refused meanwhile', async (t) => {
    const server = await startServer();
    t.after(() => server.stop('SIGKILL'));
    const c = await openRaw(server.port);
    t.after(() => c.close());
    // Half a request: the head is not finished yet.
    await c.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    await new Promise((r) => setTimeout(r, 200));
    server.proc.kill('SIGTERM');
    await server.waitForLog((l) => l.msg === 'shutting_down');
    await waitFor(async () => (await probeConnect(server.port)) === 'refused', 3000, 'listener closed');
    assert.equal(server.proc.exitCode, null, 'still running while a request is in flight');
    // Finish the request: it must still be answered, and the connection closed afterwards.
    await c.write('\r\n');
    const [res] = await c.readResponses(1);
    assert.equal(res?.status, 200, `in-flight response: ${JSON.stringify(c.buffered)}`);
    assert.deepEqual(JSON.parse(res.body), { status: 'ok' });
    assert.ok(await c.waitClosed(3000), 'connection closed after the in-flight response');
    const code = await server.exited;
    assert.equal(code, 0);
    assert.ok(server.logs().some((l) => l.msg === 'stopped'));
  });
});

describe('restart', () => {
  test('restart with the same data dir keeps links and every click sent before SIGTERM', async (t) => {
    const dataDir = makeDataDir();
    const first = await startServer({ dataDir });
    t.after(() => first.stop('SIGKILL'));

    const a = await createLink(first.base, { url: 'https://example.com/persist/a', tags: ['keep'] });
    const b = await createLink(first.base, { url: 'https://example.com/persist/b', slug: 'persisted-slug', max_clicks: 100 });
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);

    // Redirects immediately followed by SIGTERM: pending clicks must be flushed on shutdown.
    const hops = [];
    for (let i = 0; i < 7; i++) hops.push(follow(first.base, a.body.slug));
    for (let i = 0; i < 3; i++) hops.push(follow(first.base, a.body.slug, { method: 'HEAD' }));
    for (let i = 0; i < 4; i++) hops.push(follow(first.base, 'persisted-slug'));
    for (const h of await Promise.all(hops)) assert.equal(h.status, 302);
    const code = await first.stop('SIGTERM');
    assert.equal(code, 0, first.stderrLines.join('\n'));
    const stopped = first.logs().find((l) => l.msg === 'stopped');
    assert.ok(stopped, 'stopped logged');

    const second = await startServer({ dataDir });
    t.after(() => second.stop());
    const gotA = await api(second.base, `/api/v1/links/${a.body.slug}`);
    assert.equal(gotA.status, 200, gotA.text);
    assert.equal(gotA.body.long_url, 'https://example.com/persist/a');
    assert.deepEqual(gotA.body.tags, ['keep']);
    assert.equal(gotA.body.created_at, a.body.created_at);
    // Every click survives, though not always stored before the first process exits: under load the serve side
    // journals what Redis did not take in time (replayed by the next start), and a worker stopped mid-stream leaves
    // entries for the next one. So wait for them (a lost click still fails here).
    await waitFor(async () => (await clicksOf(second.base, a.body.slug)) === 10, 10000, 'all 10 clicks of link a');
    await waitFor(async () => (await clicksOf(second.base, 'persisted-slug')) === 4, 10000, 'all 4 clicks of link b');
    const gotB = await api(second.base, '/api/v1/links/persisted-slug');
    assert.equal(gotB.body.max_clicks, 100);

    // Redirects still work, counting continues, and the slug is still taken.
    const hop = await follow(second.base, a.body.slug);
    assert.equal(hop.status, 302);
    assert.equal(hop.location, 'https://example.com/persist/a');
    await waitFor(async () => (await clicksOf(second.base, a.body.slug)) === 11, 5000, 'clicks == 11');
    const dup = await createLink(second.base, { url: 'https://example.com/x', slug: 'persisted-slug' });
    assert.equal(dup.status, 409);
    const list = await api(second.base, '/api/v1/links');
    assert.equal(list.body.items.length, 2);
  });

  test('max_clicks usage survives a restart', async (t) => {
    const dataDir = makeDataDir();
    const first = await startServer({ dataDir });
    t.after(() => first.stop('SIGKILL'));
    const { body: link } = await createLink(first.base, { url: 'https://example.com/limited-restart', max_clicks: 2 });
    assert.equal((await follow(first.base, link.slug, AS_BROWSER)).status, 302);
    assert.equal((await follow(first.base, link.slug, AS_BROWSER)).status, 302);
    assert.equal(await first.stop(), 0);
    const second = await startServer({ dataDir });
    t.after(() => second.stop());
    assert.equal((await follow(second.base, link.slug, AS_BROWSER)).status, 410);
  });

  test('deleted links stay deleted after a restart', async (t) => {
    const dataDir = makeDataDir();
    const first = await startServer({ dataDir });
    t.after(() => first.stop('SIGKILL'));
    const { body: link } = await createLink(first.base, { url: 'https://example.com/deleted-restart' });
    assert.equal((await api(first.base, `/api/v1/links/${link.slug}`, { method: 'DELETE' })).status, 204);
    assert.equal(await first.stop(), 0);
    const second = await startServer({ dataDir });
    t.after(() => second.stop());
    assert.equal((await api(second.base, `/api/v1/links/${link.slug}`)).status, 410);
    assert.equal((await follow(second.base, link.slug)).status, 410);
  });
});

describe('port ownership', () => {
  test('a second server on a port in use exits 1 instead of sharing it', async (t) => {
    const first = await startServer();
    t.after(() => first.stop());
    const r = await runCli(['serve'], {
      env: { SHORTENER_LISTEN: `127.0.0.1:${first.port}`, SHORTENER_DATA_DIR: makeDataDir() },
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /listen_failed/);
    assert.equal((await api(first.base, '/healthz')).status, 200);
  });
});
