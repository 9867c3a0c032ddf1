// Connection-level protection: slow-loris, connection cap, idle timeout, configurable size limits.

import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';

import { api, openRaw, parseResponses, rawExchange, sleep, startServer, waitFor } from './support.mjs';

describe('slow-loris', () => {
  test('slow clients are cut off after SHORTENER_REQUEST_TIMEOUT_MS while others are served', async (t) => {
    const server = await startServer({ env: { SHORTENER_REQUEST_TIMEOUT_MS: '1500' } });
    t.after(() => server.stop());

    const N = 20;
    const slow = [];
    for (let i = 0; i < N; i++) {
      const s = { closedAt: null, bytes: 0, received: '' };
      s.opened = Date.now();
      s.socket = net.connect({ host: '127.0.0.1', port: server.port });
      s.socket.on('connect', () => {
        s.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
        // One header byte every 300 ms, never finishing the head.
        s.timer = setInterval(() => {
          if (!s.socket.destroyed && s.socket.writable) s.socket.write('a');
        }, 300);
      });
      s.socket.on('data', (d) => (s.received += d.toString('latin1')));
      const done = () => {
        s.closedAt ??= Date.now();
        clearInterval(s.timer);
      };
      s.socket.on('end', done);
      s.socket.on('close', done);
      s.socket.on('error', done);
      slow.push(s);
    }
    t.after(() => {
      for (const s of slow) {
        clearInterval(s.timer);
        s.socket.destroy();
      }
    });

    // Meanwhile, normal requests keep being answered quickly.
    const latencies = [];
    const until = Date.now() + 3500;
    while (Date.now() < until) {
      const started = Date.now();
      const r = await fetch(`${server.base}/healthz`);
      assert.equal(r.status, 200);
      await r.text();
      latencies.push(Date.now() - started);
      await sleep(100);
    }
    assert.ok(latencies.length >= 10, `enough probes: ${latencies.length}`);
    const worst = Math.max(...latencies);
    assert.ok(worst < 1000, `every /healthz answered within 1000 ms (worst ${worst} ms: ${latencies})`);

    // Every slow socket was closed by the server within ~3 s of opening.
    await waitFor(() => slow.every((s) => s.closedAt !== null), 2000, 'all slow sockets closed').catch(() => {});
    const open = slow.filter((s) => s.closedAt === null).length;
    assert.equal(open, 0, `${open} of ${N} slow sockets still open`);
    for (const s of slow) {
      const lived = s.closedAt - s.opened;
      assert.ok(lived <= 3000, `slow socket closed after ${lived} ms (limit ~3000)`);
      assert.ok(lived >= 1000, `slow socket not closed before the timeout (${lived} ms)`);
      // If the server answered at all, it must not be a success.
      const [res] = parseResponses(s.received);
      if (res) assert.ok(res.status >= 400, `slow socket got ${res.status}`);
    }

    // And the server is still healthy afterwards.
    assert.equal((await api(server.base, '/healthz')).status, 200);
  });

  test('a body trickled slower than the request timeout is cut off', async (t) => {
    const server = await startServer({ env: { SHORTENER_REQUEST_TIMEOUT_MS: '1000' } });
    t.after(() => server.stop());
    const c = await openRaw(server.port);
    t.after(() => c.close());
    await c.write('POST /api/v1/links HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
    const started = Date.now();
    const timer = setInterval(() => !c.closed && c.socket.writable && c.socket.write(' '), 200);
    t.after(() => clearInterval(timer));
    const closed = await c.waitClosed(4000);
    clearInterval(timer);
    assert.ok(closed, 'server closed the trickling connection');
    assert.ok(Date.now() - started < 3000, `closed after ${Date.now() - started} ms`);
  });
});

describe('connection cap', () => {
  test('SHORTENER_MAX_CONNECTIONS=5: the 6th connection is closed without a response; capacity returns', async (t) => {
    const server = await startServer({ env: { SHORTENER_MAX_CONNECTIONS: '5' } });
    t.after(() => server.stop());

    // Five keep-alive connections, each proven established by one answered request, then left idle.
    const idle = [];
    t.after(() => idle.forEach((c) => c.close()));
    for (let i = 0; i < 5; i++) {
      const c = await openRaw(server.port);
      idle.push(c);
      await c.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      const [r] = await c.readResponses(1);
      assert.equal(r?.status, 200, `keep-alive connection ${i} served`);
    }

    // The sixth: accepted by the kernel, then closed by the server without any bytes.
    const sixth = await rawExchange(server.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', { timeoutMs: 3000 });
    assert.ok(sixth.closed, `6th connection closed by the server (waited ${sixth.ms} ms)`);
    assert.equal(sixth.text, '', '6th connection got no response');

    // The five are still usable.
    await idle[0].write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal((await idle[0].readResponses(1))[0]?.status, 200, 'existing connection still served');

    // Free them: new requests work again.
    idle.forEach((c) => c.close());
    const ok = await waitFor(async () => {
      const ex = await rawExchange(server.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      return parseResponses(ex.text)[0]?.status === 200;
    }, 3000, 'a new connection to be served');
    assert.ok(ok);
    const r = await fetch(`${server.base}/healthz`);
    assert.equal(r.status, 200);
    await r.text();
  });
});

describe('timeouts and configurable limits', () => {
  test('SHORTENER_IDLE_TIMEOUT_MS closes idle keep-alive connections', async (t) => {
    const server = await startServer({ env: { SHORTENER_IDLE_TIMEOUT_MS: '500' } });
    t.after(() => server.stop());
    const c = await openRaw(server.port);
    t.after(() => c.close());
    await c.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal((await c.readResponses(1))[0]?.status, 200);
    const started = Date.now();
    assert.ok(await c.waitClosed(3000), 'idle connection closed');
    const after = Date.now() - started;
    assert.ok(after >= 300 && after < 2500, `closed after ${after} ms of idleness`);
  });

  test('an idle connection that never sends anything is closed too', async (t) => {
    const server = await startServer({ env: { SHORTENER_IDLE_TIMEOUT_MS: '500', SHORTENER_REQUEST_TIMEOUT_MS: '500' } });
    t.after(() => server.stop());
    const c = await openRaw(server.port);
    t.after(() => c.close());
    assert.ok(await c.waitClosed(3000), 'silent connection closed');
  });

  test('SHORTENER_MAX_BODY_BYTES=2048 → 413 above it, 201 below', async (t) => {
    const server = await startServer({ env: { SHORTENER_MAX_BODY_BYTES: '2048' } });
    t.after(() => server.stop());
    const small = JSON.stringify({ url: `https://example.com/${'a'.repeat(1500)}` });
    const big = JSON.stringify({ url: `https://example.com/${'a'.repeat(3000)}` });
    const send = (body) =>
      rawExchange(
        server.port,
        'POST /api/v1/links HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n' +
          `Content-Length: ${body.length}\r\n\r\n${body}`,
        { timeoutMs: 5000 },
      );
    const ok = parseResponses((await send(small)).text)[0];
    assert.equal(ok?.status, 201, ok?.body);
    const tooBig = await send(big);
    const res = parseResponses(tooBig.text)[0];
    assert.equal(res?.status, 413, tooBig.text.slice(0, 200));
    assert.equal(JSON.parse(res.body).error.code, 'payload_too_large');
    assert.ok(tooBig.closed);
  });

  test('SHORTENER_MAX_HEADER_BYTES=2048 → 431 headers_too_large above it', async (t) => {
    const server = await startServer({ env: { SHORTENER_MAX_HEADER_BYTES: '2048' } });
    t.after(() => server.stop());
    const fits = await rawExchange(
      server.port,
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ${'p'.repeat(1500)}\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(parseResponses(fits.text)[0]?.status, 200);
    const ex = await rawExchange(server.port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ${'p'.repeat(3000)}\r\n\r\n`);
    const res = parseResponses(ex.text)[0];
    assert.equal(res?.status, 431, ex.text.slice(0, 200));
    assert.equal(JSON.parse(res.body).error.code, 'headers_too_large');
    assert.ok(ex.closed, 'connection closed');
  });
});
