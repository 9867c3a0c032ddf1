// HTTP/1.1 framing exactly as RFC 9112 requires (issue #12): Transfer-Encoding (§6.1, §6.3), Host (§3.2) and
// obsolete line folding (§5.2). Each hostile request is followed on the same connection by a smuggled
// POST /api/v1/links: the server must answer the hostile request alone (400 or 501), close the connection,
// and never create the smuggled link.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { api, openRaw, parseResponses, rawExchange, startServer } from './support.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

/** A complete, valid POST /api/v1/links that would create `slug` if the server ever ran it. */
function smuggled(slug) {
  const body = JSON.stringify({ url: `https://example.com/smuggled/${slug}`, slug });
  return (
    'POST /api/v1/links HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
    `Content-Length: ${body.length}\r\n\r\n${body}`
  );
}

const post = (headers) => `POST /api/v1/links HTTP/1.1\r\n${headers}Content-Type: application/json\r\n\r\n`;

// [name, hostile request (the smuggled one follows it), status, error code, header value never to be echoed]
const hostile = [
  ['Transfer-Encoding: identity', post('Host: x\r\nTransfer-Encoding: identity\r\n'), 400, 'invalid_request', 'identity'],
  ['Transfer-Encoding: gzip', post('Host: x\r\nTransfer-Encoding: gzip\r\n'), 400, 'invalid_request', 'gzip'],
  ['Transfer-Encoding: xchunked', post('Host: x\r\nTransfer-Encoding: xchunked\r\n'), 400, 'invalid_request', 'xchunked'],
  ['Transfer-Encoding: chunked, identity', post('Host: x\r\nTransfer-Encoding: chunked, identity\r\n'), 400, 'invalid_request', 'identity'],
  ['Transfer-Encoding: chunked;ext=1', post('Host: x\r\nTransfer-Encoding: chunked;ext=1\r\n'), 400, 'invalid_request', 'ext=1'],
  ['Transfer-Encoding: chunked then Transfer-Encoding: identity', post('Host: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n') + '0\r\n\r\n', 400, 'invalid_request', 'identity'],
  ['Transfer-Encoding: gzip, chunked', post('Host: x\r\nTransfer-Encoding: gzip, chunked\r\n') + '0\r\n\r\n', 501, 'not_implemented', 'gzip'],
  ['Transfer-Encoding: gzip then Transfer-Encoding: chunked', post('Host: x\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n') + '0\r\n\r\n', 501, 'not_implemented', 'gzip'],
  ['Transfer-Encoding: chunked, chunked', post('Host: x\r\nTransfer-Encoding: chunked, chunked\r\n'), 501, 'not_implemented', 'chunked, chunked'],
  ['Content-Length then Transfer-Encoding: identity', post('Host: x\r\nContent-Length: 0\r\nTransfer-Encoding: identity\r\n'), 400, 'invalid_request', 'identity'],
  ['Transfer-Encoding: identity then Content-Length', post('Host: x\r\nTransfer-Encoding: identity\r\nContent-Length: 0\r\n'), 400, 'invalid_request', 'identity'],
  ['Content-Length then Transfer-Encoding: chunked', post('Host: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n') + '0\r\n\r\n', 400, 'invalid_request', null],
  ['Transfer-Encoding: chunked then Content-Length', post('Host: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n') + '0\r\n\r\n', 400, 'invalid_request', null],
  ['Transfer-Encoding in HTTP/1.0', 'POST /api/v1/links HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n0\r\n\r\n', 400, 'invalid_request', null],
  ['obs-fold in a header', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n folded-part\r\n\r\n', 400, 'invalid_request', 'folded-part'],
  ['obs-fold of Transfer-Encoding', post('Host: x\r\nTransfer-Encoding:\r\n\tchunked\r\n') + '0\r\n\r\n', 400, 'invalid_request', null],
  ['obs-fold of Content-Length', post('Host: x\r\nContent-Length: 0\r\n 0\r\n'), 400, 'invalid_request', null],
  ['missing Host (HTTP/1.1)', 'GET /healthz HTTP/1.1\r\n\r\n', 400, 'invalid_request', null],
  ['missing Host, absolute-form target', 'GET http://example.test/healthz HTTP/1.1\r\n\r\n', 400, 'invalid_request', 'example.test'],
  ['two Host headers', 'GET /healthz HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n', 400, 'invalid_request', 'b.example'],
  ['two Host headers (HTTP/1.0)', 'GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\nHost: a.example\r\nHost: b.example\r\n\r\n', 400, 'invalid_request', 'b.example'],
  ['invalid Host "a b"', 'GET /healthz HTTP/1.1\r\nHost: a b\r\n\r\n', 400, 'invalid_request', 'a b'],
  ['invalid Host "exa mple.com:99999"', 'GET /healthz HTTP/1.1\r\nHost: exa mple.com:99999\r\n\r\n', 400, 'invalid_request', 'exa mple'],
  ['invalid Host "[::1"', 'GET /healthz HTTP/1.1\r\nHost: [::1\r\n\r\n', 400, 'invalid_request', '[::1'],
  ['invalid Host port 65536', 'GET /healthz HTTP/1.1\r\nHost: example.com:65536\r\n\r\n', 400, 'invalid_request', '65536'],
  ['invalid Host with user-info', 'GET /healthz HTTP/1.1\r\nHost: user@example.com\r\n\r\n', 400, 'invalid_request', 'user@'],
  // Framing errors Beast's parser already refused: they must keep doing so.
  ['two different Content-Lengths', post('Host: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n') + '{}', 400, 'invalid_request', null],
  ['bad chunk size', post('Host: x\r\nTransfer-Encoding: chunked\r\n') + 'zz\r\n{}\r\n0\r\n\r\n', 400, 'invalid_request', null],
  ['bare LF line ends', 'GET /healthz HTTP/1.1\nHost: x\n\n', 400, 'invalid_request', null],
  ['NUL in a header value', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n', 400, 'invalid_request', null],
];

describe('hostile framing: answered alone, connection closed, nothing after it runs', () => {
  hostile.forEach(([name, request, status, code, echo], i) => {
    test(`${name} → ${status} ${code}`, async () => {
      const slug = `smuggled-${i}`;
      const ex = await rawExchange(server.port, request + smuggled(slug), { timeoutMs: 5000 });
      const responses = parseResponses(ex.text);
      assert.equal(responses.length, 1, `exactly one response: ${JSON.stringify(ex.text.slice(0, 400))}`);
      assert.equal(responses.rest, '', 'nothing after the error response');
      const [res] = responses;
      assert.equal(res.status, status, ex.text.slice(0, 400));
      assert.equal(res.headers.connection, 'close');
      const body = JSON.parse(res.body);
      assert.equal(body.error.code, code);
      assert.ok(body.error.message.length > 0);
      if (echo) assert.ok(!body.error.message.includes(echo), `the message does not echo the request: ${body.error.message}`);
      assert.ok(ex.closed, 'the server closed the connection');
      const check = await api(server.base, `/api/v1/links/${slug}`);
      assert.equal(check.status, 404, `the smuggled link must not exist: ${check.text}`);
    });
  });
});

describe('well-framed requests are still served', () => {
  test('chunked POST, then a pipelined request on the same connection', async (t) => {
    const body = JSON.stringify({ url: 'https://example.com/chunked', slug: 'chunked-ok' });
    const conn = await openRaw(server.port);
    t.after(() => conn.close());
    await conn.write(
      'POST /api/v1/links HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' +
        `${(10).toString(16)}\r\n${body.slice(0, 10)}\r\n${(body.length - 10).toString(16)}\r\n${body.slice(10)}\r\n0\r\n\r\n` +
        'GET /api/v1/links/chunked-ok HTTP/1.1\r\nHost: x\r\n\r\n',
    );
    const [created, fetched] = await conn.readResponses(2);
    assert.equal(created?.status, 201, created?.body);
    assert.equal(fetched?.status, 200, fetched?.body);
    assert.equal(JSON.parse(fetched.body).long_url, 'https://example.com/chunked');
  });

  test('Transfer-Encoding: Chunked (any case, surrounding spaces) is chunked', async () => {
    const body = JSON.stringify({ url: 'https://example.com/chunked-case', slug: 'chunked-case' });
    const req =
      'POST /api/v1/links HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding:  Chunked \r\n' +
      `Connection: close\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
    const [res] = parseResponses((await rawExchange(server.port, req)).text);
    assert.equal(res?.status, 201, res?.body);
  });

  test('a chunked body with a trailer field is served', async () => {
    const body = JSON.stringify({ url: 'https://example.com/trailer', slug: 'chunked-trailer' });
    const req =
      'POST /api/v1/links HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n' +
      `Connection: close\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\nX-Checksum: 1\r\n\r\n`;
    const [res] = parseResponses((await rawExchange(server.port, req)).text);
    assert.equal(res?.status, 201, res?.body);
  });

  test('HTTP/1.0 without Host is served', async () => {
    const ex = await rawExchange(server.port, 'GET /healthz HTTP/1.0\r\n\r\n');
    const [res] = parseResponses(ex.text);
    assert.equal(res?.status, 200, ex.text.slice(0, 200));
  });

  test('absolute-form with Host is served (RFC 9112 §3.2.2)', async () => {
    const ex = await rawExchange(server.port, 'GET http://example.test/healthz HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n');
    assert.equal(parseResponses(ex.text)[0]?.status, 200, ex.text.slice(0, 200));
  });

  for (const host of ['example.com', 'example.com:8080', '127.0.0.1:1', '[::1]', '[::1]:443', '[2001:db8::1]', 'xn--bcher-kva.example', '']) {
    test(`Host: ${JSON.stringify(host)} is valid`, async () => {
      const ex = await rawExchange(server.port, `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      assert.equal(parseResponses(ex.text)[0]?.status, 200, ex.text.slice(0, 200));
    });
  }
});
