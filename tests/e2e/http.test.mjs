// HTTP surface: health/ready/metrics/UI, 404 (JSON vs HTML), 405 + Allow, keep-alive, pipelining,
// header and body limits.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { api, createLink, openRaw, parseResponses, rawExchange, startServer } from './support.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

describe('operational endpoints', () => {
  test('GET /healthz → 200 {"status":"ok"}', async () => {
    const r = await api(server.base, '/healthz');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { status: 'ok' });
  });

  test('GET /readyz → 200 ready, database ok', async () => {
    const r = await api(server.base, '/readyz');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.status, 'ready');
    assert.equal(r.body.checks.database, 'ok');
  });

  test('GET /metrics → Prometheus text with the documented series', async () => {
    await api(server.base, '/healthz');
    const r = await api(server.base, '/metrics');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(r.text, /^shortener_http_requests_total(\{[^}]*\})? \d+/m);
    // Distributed mode: `shortener worker` stores clicks (and counts them), not the API process.
    if (!server.distributed) assert.match(r.text, /^shortener_clicks_stored_total(\{[^}]*\})? \d+/m);
    assert.match(r.text, /^# TYPE shortener_http_requests_total counter/m);
  });

  test('GET / → 200 HTML web UI', async () => {
    const r = await api(server.base, '/');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(r.text, /<html/i);
  });

  test('HEAD /healthz → 200 without a body', async () => {
    const res = await fetch(`${server.base}/healthz`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '');
  });
});

describe('not found and wrong method', () => {
  test('unknown slug → 404 JSON by default', async () => {
    const r = await api(server.base, '/doesnotexist');
    assert.equal(r.status, 404);
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(r.body.error.code, 'not_found');
    assert.ok(r.body.error.message.length > 0);
  });

  test('unknown slug with Accept: text/html → 404 HTML page', async () => {
    const r = await api(server.base, '/doesnotexist', {
      headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' },
    });
    assert.equal(r.status, 404);
    assert.match(r.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(r.text, /<html/i);
  });

  test('slug-invalid path (dots, percent) → 404', async () => {
    for (const p of ['/a.b.c', '/a%2Fb', '/x%00y']) {
      const r = await api(server.base, p);
      assert.equal(r.status, 404, `${p}: ${r.text}`);
    }
  });

  test('unknown API path → 404 JSON', async () => {
    for (const p of ['/api/v1/nope', '/api/v2/links', '/api/v1/links/abc/extra']) {
      const r = await api(server.base, p);
      assert.equal(r.status, 404, `${p}: ${r.text}`);
      assert.equal(r.body?.error?.code, 'not_found', p);
      assert.ok(r.body.error.message.length > 0);
    }
  });

  test('wrong method on a known path → 405 with Allow', async () => {
    const cases = [
      ['DELETE', '/api/v1/links', ['GET', 'POST']],
      ['PUT', '/api/v1/links', ['GET', 'POST']],
      ['POST', '/healthz', ['GET']],
      ['GET', '/api/shorten', ['POST']],
      ['POST', '/api/v1/links/someslug', ['GET', 'PATCH', 'DELETE']],
      ['DELETE', '/someslug', ['GET']],
    ];
    for (const [method, path, mustAllow] of cases) {
      const r = await api(server.base, path, { method });
      assert.equal(r.status, 405, `${method} ${path}: ${r.text}`);
      assert.equal(r.body?.error?.code, 'method_not_allowed', `${method} ${path}`);
      const allow = (r.headers.get('allow') ?? '').split(',').map((s) => s.trim());
      for (const m of mustAllow) assert.ok(allow.includes(m), `${method} ${path}: Allow "${allow}" includes ${m}`);
      assert.ok(!allow.includes(method), `${method} ${path}: Allow "${allow}" excludes ${method}`);
    }
  });
});

describe('keep-alive and pipelining', () => {
  test('three pipelined requests in one write → three responses in order', async () => {
    const { body: link } = await createLink(server.base, { url: 'https://example.com/pipelined' });
    const c = await openRaw(server.port);
    try {
      await c.write(
        'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n' +
          `GET /${link.slug} HTTP/1.1\r\nHost: x\r\n\r\n` +
          'GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n',
      );
      const rs = await c.readResponses(3);
      assert.equal(rs.length, 3, `got: ${JSON.stringify(c.buffered.slice(0, 300))}`);
      assert.equal(rs[0].status, 200);
      assert.deepEqual(JSON.parse(rs[0].body), { status: 'ok' });
      assert.equal(rs[1].status, 302);
      assert.equal(rs[1].headers.location, 'https://example.com/pipelined');
      assert.equal(rs[2].status, 200);
      assert.equal(JSON.parse(rs[2].body).status, 'ready');
      assert.equal(c.closed, false, 'connection stays open');
    } finally {
      c.close();
    }
  });

  test('three pipelined GET /healthz → three 200s; Connection: close on the last ends the socket', async () => {
    const req = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';
    const ex = await rawExchange(server.port, req + req + req.replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n'));
    const rs = parseResponses(ex.text);
    assert.deepEqual(rs.map((r) => r.status), [200, 200, 200], ex.text);
    assert.equal(rs.rest, '', 'nothing after the third response');
    assert.ok(ex.closed, 'server closed after Connection: close');
    assert.equal(rs[2].headers.connection?.toLowerCase(), 'close');
  });

  test('keep-alive: one socket serves several sequential requests', async () => {
    const c = await openRaw(server.port);
    try {
      for (let i = 0; i < 5; i++) {
        await c.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
        const [r] = await c.readResponses(1);
        assert.ok(r, `response ${i}`);
        assert.equal(r.status, 200);
        assert.notEqual(r.headers.connection?.toLowerCase(), 'close');
      }
      // A POST with a body on the same connection, then a GET again.
      const body = JSON.stringify({ url: 'https://example.com/keepalive' });
      await c.write(
        `POST /api/v1/links HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      const [created] = await c.readResponses(1);
      assert.equal(created?.status, 201, created?.body);
      await c.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      const [again] = await c.readResponses(1);
      assert.equal(again?.status, 200);
      assert.equal(c.closed, false);
    } finally {
      c.close();
    }
  });

  test('pipelined HEAD and GET keep message boundaries', async () => {
    const c = await openRaw(server.port);
    try {
      await c.write('HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      const rs = await c.readResponses(2, { headOnly: [true, false] });
      assert.equal(rs.length, 2, c.buffered);
      assert.equal(rs[0].status, 200);
      assert.equal(rs[1].status, 200);
      assert.deepEqual(JSON.parse(rs[1].body), { status: 'ok' });
    } finally {
      c.close();
    }
  });
});

describe('limits', () => {
  test('request head over 16 KiB → 431 headers_too_large, connection closed', async () => {
    const req = `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`;
    const ex = await rawExchange(server.port, req, { timeoutMs: 5000 });
    const [res] = parseResponses(ex.text);
    assert.ok(res, `a response arrived: ${JSON.stringify(ex.text.slice(0, 200))} (error: ${ex.error?.code})`);
    assert.equal(res.status, 431);
    const body = JSON.parse(res.body);
    assert.equal(body.error.code, 'headers_too_large');
    assert.ok(body.error.message.length > 0);
    assert.ok(ex.closed, 'server closed the connection');
  });

  test('request head just under the limit is served', async () => {
    const req = `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(15 * 1024)}\r\nConnection: close\r\n\r\n`;
    const [res] = parseResponses((await rawExchange(server.port, req)).text);
    assert.equal(res?.status, 200);
  });

  test('declared Content-Length over 64 KiB → 413 payload_too_large, connection closed', async () => {
    const req =
      'POST /api/v1/links HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${64 * 1024 + 1}\r\n\r\n`;
    const ex = await rawExchange(server.port, req, { timeoutMs: 5000 });
    const [res] = parseResponses(ex.text);
    assert.ok(res, `a response arrived: ${JSON.stringify(ex.text.slice(0, 200))}`);
    assert.equal(res.status, 413);
    assert.equal(JSON.parse(res.body).error.code, 'payload_too_large');
    assert.ok(ex.closed, 'server closed the connection');
  });

  test('chunked body over 64 KiB → 413 payload_too_large', async () => {
    const chunk = 'x'.repeat(16 * 1024);
    let req = 'POST /api/v1/links HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n';
    for (let i = 0; i < 5; i++) req += `${chunk.length.toString(16)}\r\n${chunk}\r\n`;
    req += '0\r\n\r\n';
    const ex = await rawExchange(server.port, req, { timeoutMs: 5000 });
    const [res] = parseResponses(ex.text);
    assert.ok(res, `a response arrived: ${JSON.stringify(ex.text.slice(0, 200))} (error: ${ex.error?.code})`);
    assert.equal(res.status, 413);
    assert.equal(JSON.parse(res.body).error.code, 'payload_too_large');
  });

  test('malformed request line → 400 and close', async () => {
    const ex = await rawExchange(server.port, 'THIS IS NOT HTTP\r\n\r\n');
    const [res] = parseResponses(ex.text);
    assert.equal(res?.status, 400, ex.text);
    assert.ok(ex.closed);
  });
});

describe('request forms', () => {
  test('absolute-form target is served by its path (RFC 9112 §3.2.2)', async () => {
    const ex = await rawExchange(server.port, 'GET http://example.test/healthz HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n');
    const [res] = parseResponses(ex.text);
    assert.equal(res?.status, 200, ex.text.slice(0, 200));
  });

  test('Expect: 100-continue gets an interim 100 before the body is sent', async (t) => {
    const body = JSON.stringify({ url: 'https://example.com/continue' });
    const conn = await openRaw(server.port);
    t.after(() => conn.close());
    await conn.write(`POST /api/v1/links HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(conn.buffered, 'HTTP/1.1 100 Continue\r\n\r\n', 'only the interim response before the body');
    await conn.write(body);
    assert.ok(await conn.waitClosed(3000), 'connection closed after the response');
    assert.match(conn.buffered, /HTTP\/1\.1 201 Created/);
  });
});
