// Every documented error of the create/list API, one test each, plus hostile inputs.
// Each checks the status, error.code and that error.message is a non-empty string.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { api, createLink, follow, rawExchange, parseResponses, startServer } from './support.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

function assertError(r, status, code, label = '') {
  assert.equal(r.status, status, `${label} status: ${r.text.slice(0, 300)}`);
  assert.ok(r.body && typeof r.body === 'object', `${label} JSON body: ${r.text.slice(0, 300)}`);
  assert.equal(r.body.error?.code, code, `${label} code: ${r.text.slice(0, 300)}`);
  assert.equal(typeof r.body.error.message, 'string', `${label} message is a string`);
  assert.ok(r.body.error.message.length > 0, `${label} message is non-empty`);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/, `${label} content-type`);
}

const future = () => new Date(Date.now() + 3600_000).toISOString();

// [name, body, status, code]
const createCases = [
  ['unknown field', { url: 'https://example.com/', colour: 'red' }, 400, 'invalid_request'],
  ['missing url', {}, 400, 'url_required'],
  ['empty url', { url: '' }, 400, 'url_required'],
  ['null url', { url: null }, 400, 'url_required'],
  ['url of wrong type (number)', { url: 5 }, 400, 'invalid_request'],
  ['url of wrong type (array)', { url: ['https://example.com/'] }, 400, 'invalid_request'],
  ['invalid_url: port out of range', { url: 'https://example.com:99999/' }, 400, 'invalid_url'],
  ['invalid_url: unclosed IPv6 literal', { url: 'http://[::1/x' }, 400, 'invalid_url'],
  ['url_too_long: 4097 bytes', { url: 'https://example.com/' + 'a'.repeat(4097 - 20) }, 400, 'url_too_long'],
  ['relative_url: path only', { url: '/just/a/path' }, 400, 'relative_url'],
  ['relative_url: bare host', { url: 'example.com/page' }, 400, 'relative_url'],
  ['unsupported_scheme: javascript:', { url: 'javascript:alert(1)' }, 400, 'unsupported_scheme'],
  ['unsupported_scheme: JavaScript: mixed case', { url: 'JavaScript:alert(document.cookie)' }, 400, 'unsupported_scheme'],
  ['unsupported_scheme: data:', { url: 'data:text/html,<script>alert(1)</script>' }, 400, 'unsupported_scheme'],
  ['unsupported_scheme: file:', { url: 'file:///etc/passwd' }, 400, 'unsupported_scheme'],
  ['unsupported_scheme: ftp:', { url: 'ftp://example.com/file' }, 400, 'unsupported_scheme'],
  ['missing_host: https://', { url: 'https://' }, 400, 'missing_host'],
  ['missing_host: http:///path', { url: 'http:///path' }, 400, 'missing_host'],
  ['url_credentials: user-info', { url: 'https://bank.com@evil.example/' }, 400, 'url_credentials'],
  ['url_credentials: user:pass', { url: 'https://user:pass@example.com/' }, 400, 'url_credentials'],
  ['url_whitespace: inner space', { url: 'https://exa mple.com/' }, 400, 'url_whitespace'],
  ['url_whitespace: leading space', { url: ' https://example.com/' }, 400, 'url_whitespace'],
  ['url_whitespace: CRLF header injection', { url: 'https://example.com/\r\nSet-Cookie: a=b' }, 400, 'url_whitespace'],
  ['url_control_characters: NUL', { url: 'https://example.com/\u0000x' }, 400, 'url_control_characters'],
  ['url_control_characters: BEL', { url: 'https://example.com/\u0007' }, 400, 'url_control_characters'],
  ['invalid_host: underscore', { url: 'https://exa_mple.com/' }, 400, 'invalid_host'],
  ['invalid_host: numeric shorthand IP', { url: 'http://2130706433/' }, 400, 'invalid_host'],
  ['invalid_host: label starting with -', { url: 'https://-bad.example/' }, 400, 'invalid_host'],
  ['redirect_loop: own host', { url: 'http://localhost:1234/x' }, 400, 'redirect_loop'],
  ['redirect_loop: own host, other case', { url: 'https://LOCALHOST/x' }, 400, 'redirect_loop'],
  ['invalid_slug', { url: 'https://example.com/', slug: 'no' }, 400, 'invalid_slug'],
  ['slug_reserved', { url: 'https://example.com/', slug: 'metrics' }, 400, 'slug_reserved'],
  ['invalid_expires_at: past', { url: 'https://example.com/', expires_at: '2001-01-01T00:00:00Z' }, 400, 'invalid_expires_at'],
  ['invalid_expires_at: malformed', { url: 'https://example.com/', expires_at: 'tomorrow' }, 400, 'invalid_expires_at'],
  ['invalid_expires_at: number', { url: 'https://example.com/', expires_at: 1893456000 }, 400, 'invalid_expires_at'],
  ['invalid_max_clicks: 0', { url: 'https://example.com/', max_clicks: 0 }, 400, 'invalid_max_clicks'],
  ['invalid_max_clicks: negative', { url: 'https://example.com/', max_clicks: -3 }, 400, 'invalid_max_clicks'],
  ['invalid_max_clicks: fraction', { url: 'https://example.com/', max_clicks: 1.5 }, 400, 'invalid_max_clicks'],
  ['invalid_max_clicks: string', { url: 'https://example.com/', max_clicks: '5' }, 400, 'invalid_max_clicks'],
  ['invalid_redirect_type: 303', { url: 'https://example.com/', redirect_type: 303 }, 400, 'invalid_redirect_type'],
  ['invalid_redirect_type: string', { url: 'https://example.com/', redirect_type: '301' }, 400, 'invalid_redirect_type'],
  ['invalid_tags: not an array', { url: 'https://example.com/', tags: 'news' }, 400, 'invalid_tags'],
  ['invalid_tags: non-string item', { url: 'https://example.com/', tags: [1, 2] }, 400, 'invalid_tags'],
  ['invalid_tags: huge array', { url: 'https://example.com/', tags: Array.from({ length: 1000 }, (_, i) => `t${i}`) }, 400, 'invalid_tags'],
  ['invalid_tags: empty tag', { url: 'https://example.com/', tags: [''] }, 400, 'invalid_tags'],
];

describe('POST /api/v1/links errors', () => {
  for (const [name, body, status, code] of createCases) {
    test(`${name} → ${status} ${code}`, async () => {
      const r = await createLink(server.base, body);
      assertError(r, status, code, name);
    });
  }

  test('slug_taken → 409', async () => {
    const first = await createLink(server.base, { url: 'https://example.com/taken', slug: 'taken-slug' });
    assert.equal(first.status, 201, first.text);
    assertError(await createLink(server.base, { url: 'https://example.com/other', slug: 'taken-slug' }), 409, 'slug_taken');
  });

  test('no Content-Type → 415 unsupported_media_type', async () => {
    const r = await api(server.base, '/api/v1/links', {
      method: 'POST',
      body: new Blob([JSON.stringify({ url: 'https://example.com/' })]),
    });
    assertError(r, 415, 'unsupported_media_type');
  });

  test('text/plain Content-Type → 415 unsupported_media_type', async () => {
    const r = await api(server.base, '/api/v1/links', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ url: 'https://example.com/' }),
    });
    assertError(r, 415, 'unsupported_media_type');
  });

  test('form-encoded body → 415 unsupported_media_type', async () => {
    const r = await api(server.base, '/api/v1/links', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'url=https%3A%2F%2Fexample.com%2F',
    });
    assertError(r, 415, 'unsupported_media_type');
  });

  test('application/json; charset=utf-8 is accepted', async () => {
    const r = await api(server.base, '/api/v1/links', {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ url: 'https://example.com/charset' }),
    });
    assert.equal(r.status, 201, r.text);
  });

  for (const [name, body] of [
    ['non-JSON text', 'this is not json'],
    ['truncated JSON', '{"url": "https://example.com/"'],
    ['empty body', ''],
    ['trailing garbage', '{"url":"https://example.com/"} x'],
  ]) {
    test(`${name} → 400 invalid_json`, async () => {
      const r = await api(server.base, '/api/v1/links', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      assertError(r, 400, 'invalid_json', name);
    });
  }

  for (const [name, body] of [
    ['JSON array body', '[{"url":"https://example.com/"}]'],
    ['JSON string body', '"https://example.com/"'],
    ['JSON null body', 'null'],
  ]) {
    test(`${name} → 400 invalid_request`, async () => {
      const r = await api(server.base, '/api/v1/links', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      assertError(r, 400, 'invalid_request', name);
    });
  }

  test('body over 64 KiB → 413 payload_too_large and the connection is closed', async () => {
    const body = JSON.stringify({ url: 'https://example.com/', pad: 'x'.repeat(70 * 1024) });
    const req =
      'POST /api/v1/links HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n` + body;
    const ex = await rawExchange(server.port, req, { timeoutMs: 5000 });
    const [res] = parseResponses(ex.text);
    assert.ok(res, `a response arrived: ${JSON.stringify(ex.text.slice(0, 200))} (error: ${ex.error?.code})`);
    assert.equal(res.status, 413);
    const parsed = JSON.parse(res.body);
    assert.equal(parsed.error.code, 'payload_too_large');
    assert.ok(parsed.error.message.length > 0);
    assert.ok(ex.closed, 'server closed the connection');
  });

  test('the server keeps working after hostile requests', async () => {
    const r = await createLink(server.base, { url: 'https://example.com/still-alive' });
    assert.equal(r.status, 201, r.text);
    assert.equal((await follow(server.base, r.body.slug)).status, 302);
  });
});

describe('GET /api/v1/links errors', () => {
  for (const limit of ['0', '101', 'abc', '-1', '2x']) {
    test(`limit=${JSON.stringify(limit)} → 400 invalid_query`, async () => {
      assertError(await api(server.base, `/api/v1/links?limit=${limit}`), 400, 'invalid_query', `limit=${limit}`);
    });
  }

  for (const cursor of ['abc', '-5', '1.5', 'MTIz', '%00']) {
    test(`cursor=${cursor} → 400 invalid_cursor`, async () => {
      assertError(await api(server.base, `/api/v1/links?cursor=${cursor}`), 400, 'invalid_cursor', `cursor=${cursor}`);
    });
  }
});

describe('link resource errors', () => {
  test('GET unknown link → 404 not_found', async () => {
    assertError(await api(server.base, '/api/v1/links/nosuchslug'), 404, 'not_found');
  });

  test('PATCH unknown link → 404 not_found', async () => {
    assertError(
      await api(server.base, '/api/v1/links/nosuchslug', { method: 'PATCH', json: { url: 'https://example.com/' } }),
      404,
      'not_found',
    );
  });

  test('DELETE unknown link → 404 not_found', async () => {
    assertError(await api(server.base, '/api/v1/links/nosuchslug', { method: 'DELETE' }), 404, 'not_found');
  });

  test('PATCH with "slug" → 400 invalid_request', async () => {
    const { body: link } = await createLink(server.base, { url: 'https://example.com/patch-slug' });
    assertError(
      await api(server.base, `/api/v1/links/${link.slug}`, { method: 'PATCH', json: { slug: 'renamed' } }),
      400,
      'invalid_request',
    );
  });

  test('PATCH with a bad url → 400 with the URL error code', async () => {
    const { body: link } = await createLink(server.base, { url: 'https://example.com/patch-bad' });
    assertError(
      await api(server.base, `/api/v1/links/${link.slug}`, { method: 'PATCH', json: { url: 'javascript:alert(1)' } }),
      400,
      'unsupported_scheme',
    );
    assertError(
      await api(server.base, `/api/v1/links/${link.slug}`, { method: 'PATCH', json: { url: 'http://localhost:9/x' } }),
      400,
      'redirect_loop',
    );
    // The link is unchanged.
    assert.equal((await follow(server.base, link.slug)).location, 'https://example.com/patch-bad');
  });

  test('PATCH without JSON content type → 415', async () => {
    const { body: link } = await createLink(server.base, { url: 'https://example.com/patch-415' });
    assertError(
      await api(server.base, `/api/v1/links/${link.slug}`, {
        method: 'PATCH',
        headers: { 'content-type': 'text/plain' },
        body: '{"max_clicks":3}',
      }),
      415,
      'unsupported_media_type',
    );
  });

  test('PATCH with an unknown field → 400 invalid_request', async () => {
    const { body: link } = await createLink(server.base, { url: 'https://example.com/patch-unknown' });
    assertError(
      await api(server.base, `/api/v1/links/${link.slug}`, { method: 'PATCH', json: { colour: 'red' } }),
      400,
      'invalid_request',
    );
  });
});

// Error messages name the problem without copying the caller's text (a field named "<script>…" used to be
// echoed back). Every endpoint below gets hostile names and values; no answer may contain them.
describe('error messages never echo hostile input', () => {
  const HOSTILE = '<script>alert(1)</script>';
  const hostileKey = `${HOSTILE}"\u2028`;
  const marks = [HOSTILE, '<script', 'alert(1)', '\u2028'];

  function assertNoEcho(r, label, { anyStatus = false } = {}) {
    if (!anyStatus) assert.ok(r.status >= 400 && r.status < 500, `${label}: status ${r.status} ${r.text.slice(0, 200)}`);
    // The raw body, and the body with JSON escapes (\u003c…) decoded.
    let decoded = r.text;
    try { decoded = JSON.stringify(JSON.parse(r.text)); } catch {}
    for (const m of marks) {
      assert.ok(!r.text.includes(m) && !decoded.includes(m), `${label} echoes ${JSON.stringify(m)}: ${r.text.slice(0, 300)}`);
    }
    if (r.body?.error) assert.ok(r.body.error.message.length > 0, `${label}: a message`);
  }

  test('JSON bodies: unknown fields, targeting keys, slugs, URLs', async () => {
    const link = (await createLink(server.base, { url: 'https://example.com/hostile' })).body;
    const cases = [
      ['create: unknown field', 'POST', '/api/v1/links', { url: 'https://example.com/', [hostileKey]: 1 }],
      ['create: long unknown field', 'POST', '/api/v1/links', { url: 'https://example.com/', ['a'.repeat(41) + 'alert(1)']: 1 }],
      ['create: unknown targeting field', 'POST', '/api/v1/links', { url: 'https://example.com/', targeting: { [hostileKey]: 'https://e.com/' } }],
      ['create: hostile country', 'POST', '/api/v1/links', { url: 'https://example.com/', targeting: { countries: { [hostileKey]: 'https://e.com/' } } }],
      ['create: hostile slug', 'POST', '/api/v1/links', { url: 'https://example.com/', slug: HOSTILE }],
      ['create: hostile url', 'POST', '/api/v1/links', { url: `javascript:${HOSTILE}` }],
      ['create: hostile url 2', 'POST', '/api/v1/links', { url: `https://exa mple.com/${HOSTILE}` }],
      ['create: hostile expired_url', 'POST', '/api/v1/links', { url: 'https://example.com/', expired_url: `data:${HOSTILE}` }],
      ['create: hostile expires_at', 'POST', '/api/v1/links', { url: 'https://example.com/', expires_at: HOSTILE }],
      ['create: hostile tags', 'POST', '/api/v1/links', { url: 'https://example.com/', tags: [HOSTILE.repeat(20)] }],
      ['seed shorten: unknown field', 'POST', '/api/shorten', { url: 'https://example.com/', [hostileKey]: 1 }],
      ['seed shorten: hostile url', 'POST', '/api/shorten', { url: HOSTILE }],
      ['patch: unknown field', 'PATCH', `/api/v1/links/${link.slug}`, { [hostileKey]: true }],
      ['patch: hostile url', 'PATCH', `/api/v1/links/${link.slug}`, { url: HOSTILE }],
      ['keys: unknown field', 'POST', '/api/v1/keys', { name: 'k', [hostileKey]: 1 }],
      ['keys: hostile scope', 'POST', '/api/v1/keys', { name: 'k', scopes: [HOSTILE] }],
      ['login: unknown field', 'POST', '/api/v1/auth/login', { email: 'a@b.c', password: 'x', [hostileKey]: 1 }],
    ];
    for (const [label, method, path, json] of cases) {
      assertNoEcho(await api(server.base, path, { method, json }), label);
    }
    // Not JSON at all, and a hostile Content-Type.
    assertNoEcho(await api(server.base, '/api/v1/links', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"${HOSTILE}` }), 'broken JSON');
    assertNoEcho(await api(server.base, '/api/v1/links', { method: 'POST', headers: { 'content-type': `text/${HOSTILE}` }, body: '{}' }), 'hostile content type');
  });

  test('query parameters, paths and headers', async () => {
    const link = (await createLink(server.base, { url: 'https://example.com/hostile-q', password: 'pw' })).body;
    const q = encodeURIComponent(HOSTILE);
    const paths = [
      `/api/v1/links/${link.slug}/stats?bots=${q}`,
      `/api/v1/links/${link.slug}/stats?interval=${q}`,
      `/api/v1/links/${link.slug}/stats?tz=${q}`,
      `/api/v1/links/${link.slug}/stats?from=${q}`,
      `/api/v1/links/${link.slug}/stats?limit=${q}`,
      `/api/v1/links/${link.slug}/clicks?format=${q}`,
      `/api/v1/links/${link.slug}/clicks?to=${q}`,
      `/api/v1/links/${link.slug}/qr.svg?fg=${q}`,
      `/api/v1/links/${link.slug}/qr.png?size=${q}`,
      `/api/v1/links?limit=${q}`,
      `/api/v1/links?cursor=${q}`,
      `/api/v1/links/${q}`,
      `/api/v1/links/${q}/stats`,
      `/api/v1/stats?bots=${q}`,
      `/api/${q}`,
      `/${q}`,
    ];
    for (const p of paths) assertNoEcho(await api(server.base, p), p);
    assertNoEcho(await api(server.base, `/${q}`, { headers: { accept: 'text/html' } }), 'HTML 404');
    assertNoEcho(await follow(server.base, link.slug, { headers: { 'x-link-password': HOSTILE } }), 'hostile link password');
    assertNoEcho(await api(server.base, '/api/v1/links?limit=1', { headers: { authorization: `Bearer ${HOSTILE}` } }),
      'hostile bearer', { anyStatus: true });
  });
});
