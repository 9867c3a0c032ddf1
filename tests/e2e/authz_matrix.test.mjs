// The authorization matrix (issue #7): every endpoint × every kind of caller, against the real binary in
// SHORTENER_AUTH=required mode, with the status each must get. One table, so a route that forgets its check (or
// checks too much) shows up as one wrong cell.
//
// Callers: anonymous; another user's key; the owner's key; an admin key; a revoked key; the owner's session
// cookie without the CSRF header; the owner's session with it; a key that lacks the needed scope.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';

import { BIN, DISTRIBUTED, api, distributedEnv, makeDataDir, startServer } from './support.mjs';

const CALLERS = ['anonymous', 'other', 'owner', 'admin', 'revoked', 'cookieNoCsrf', 'session', 'readOnly'];

// Runs a `shortener` CLI command against the server's store (SQLite data dir, or its PostgreSQL database).
function cli(dataDir, args, input) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('SHORTENER_') && k !== 'DATABASE_URL' && k !== 'REDIS_URL') env[k] = v;
  }
  Object.assign(env, { SHORTENER_DATA_DIR: dataDir, SHORTENER_AUTH: 'required' });
  if (DISTRIBUTED) Object.assign(env, distributedEnv(dataDir));
  const r = spawnSync(BIN, args, { env, input, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, `shortener ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

describe('authorization matrix (SHORTENER_AUTH=required)', () => {
  let server;
  let base;
  const headers = {};  // caller → headers
  let ownerSlug;       // a link of the owner's
  let ownerKeyId;      // the owner's key id (for key management rows)
  let ownerJob;        // a background import of the owner's
  const deletable = [];  // links of the owner's that DELETE rows may consume, one per caller
  const revocable = [];  // key ids of the owner's that DELETE /api/v1/keys rows may consume, one per caller

  async function login(email, password) {
    const r = await api(base, '/api/v1/auth/login', { method: 'POST', json: { email, password } });
    assert.equal(r.status, 200, r.text);
    const cookies = r.headers.getSetCookie().map((c) => c.split(';')[0]);
    return { cookie: cookies.join('; '), csrf: r.body.csrf_token };
  }

  async function makeKey(session, name, scopes) {
    const r = await api(base, '/api/v1/keys', {
      method: 'POST',
      json: { name, scopes },
      headers: { cookie: session.cookie, 'x-csrf-token': session.csrf },
    });
    assert.equal(r.status, 201, r.text);
    return r.body;
  }

  before(async () => {
    const dataDir = makeDataDir();
    cli(dataDir, ['migrate']);
    cli(dataDir, ['users', 'create', '--email', 'owner@example.com', '--password-stdin'], 'owner-password-1\n');
    cli(dataDir, ['users', 'create', '--email', 'other@example.com', '--password-stdin'], 'other-password-1\n');
    const adminKey = cli(dataDir, ['keys', 'create', '--name', 'ops', '--scopes', 'admin']);
    assert.match(adminKey, /^sk_[0-9A-Za-z]{43}$/);
    server = await startServer({ dataDir, env: { SHORTENER_AUTH: 'required', SHORTENER_RATE_LIMIT_API: '0',
                                                 SHORTENER_RATE_LIMIT_CREATE: '0' } });
    base = server.base;

    const owner = await login('owner@example.com', 'owner-password-1');
    const other = await login('other@example.com', 'other-password-1');
    const ownerKey = await makeKey(owner, 'owner', ['links:write', 'links:read', 'stats:read']);
    const otherKey = await makeKey(other, 'other', ['links:write', 'links:read', 'stats:read']);
    const readOnly = await makeKey(owner, 'read-only', ['links:read']);
    const revoked = await makeKey(owner, 'revoked', ['links:write', 'links:read', 'stats:read']);
    ownerKeyId = ownerKey.id;
    const revoke = await api(base, `/api/v1/keys/${revoked.id}`, {
      method: 'DELETE',
      headers: { cookie: owner.cookie, 'x-csrf-token': owner.csrf },
    });
    assert.equal(revoke.status, 204, revoke.text);

    headers.anonymous = {};
    headers.other = { authorization: `Bearer ${otherKey.key}` };
    headers.owner = { authorization: `Bearer ${ownerKey.key}` };
    headers.admin = { authorization: `Bearer ${adminKey}` };
    headers.revoked = { authorization: `Bearer ${revoked.key}` };
    headers.cookieNoCsrf = { cookie: owner.cookie };
    headers.session = { cookie: owner.cookie, 'x-csrf-token': owner.csrf };
    headers.readOnly = { authorization: `Bearer ${readOnly.key}` };

    const created = await api(base, '/api/v1/links', {
      method: 'POST', json: { url: 'https://example.com/owned' }, headers: headers.owner });
    assert.equal(created.status, 201, created.text);
    ownerSlug = created.body.slug;
    const job = await api(base, '/api/v1/imports?format=kutt&background=true', {
      method: 'POST', json: { data: [{ address: 'matrix-job', target: 'https://example.com/job' }] }, headers: headers.owner });
    assert.equal(job.status, 202, job.text);
    ownerJob = job.body.id;
    for (const caller of CALLERS) revocable.push((await makeKey(owner, `spare-${caller}`, ['links:read'])).id);
    for (const caller of CALLERS) {
      const r = await api(base, '/api/v1/links', {
        method: 'POST', json: { url: `https://example.com/delete-me/${caller}` }, headers: headers.owner });
      assert.equal(r.status, 201, r.text);
      deletable.push(r.body.slug);
    }
  });

  after(async () => {
    await server?.stop();
  });

  // Each row: [name, request(caller, index) → {method, path, json?}, expected statuses by caller].
  const L = () => `/api/v1/links/${ownerSlug}`;
  const rows = [
    ['POST /api/v1/links', () => ({ method: 'POST', path: '/api/v1/links', json: { url: 'https://example.com/n' } }),
      { anonymous: 401, other: 201, owner: 201, admin: 201, revoked: 401, cookieNoCsrf: 403, session: 201, readOnly: 403 }],
    ['POST /api/shorten', () => ({ method: 'POST', path: '/api/shorten', json: { url: 'https://example.com/s' } }),
      { anonymous: 401, other: 201, owner: 201, admin: 201, revoked: 401, cookieNoCsrf: 403, session: 201, readOnly: 403 }],
    ['POST /api/v1/links/bulk', () => ({ method: 'POST', path: '/api/v1/links/bulk', json: [{ url: 'https://example.com/b' }] }),
      { anonymous: 401, other: 200, owner: 200, admin: 200, revoked: 401, cookieNoCsrf: 403, session: 200, readOnly: 403 }],
    ['POST /api/v1/imports', () => ({ method: 'POST', path: '/api/v1/imports?format=kutt&dry_run=true',
      json: { data: [{ address: 'matrix-import', target: 'https://example.com/i' }] } }),
      { anonymous: 401, other: 200, owner: 200, admin: 200, revoked: 401, cookieNoCsrf: 403, session: 200, readOnly: 403 }],
    ['GET /api/v1/imports/{id}', () => ({ method: 'GET', path: `/api/v1/imports/${ownerJob}` }),
      { anonymous: 401, other: 404, owner: 200, admin: 200, revoked: 401, cookieNoCsrf: 200, session: 200, readOnly: 200 }],
    ['GET /api/v1/links/export', () => ({ method: 'GET', path: '/api/v1/links/export?format=ndjson' }),
      { anonymous: 401, other: 200, owner: 200, admin: 200, revoked: 401, cookieNoCsrf: 200, session: 200, readOnly: 200 }],
    ['GET /api/v1/links', () => ({ method: 'GET', path: '/api/v1/links' }),
      { anonymous: 401, other: 200, owner: 200, admin: 200, revoked: 401, cookieNoCsrf: 200, session: 200, readOnly: 200 }],
    ['GET /api/v1/links/{slug}', () => ({ method: 'GET', path: L() }),
      { anonymous: 401, other: 404, owner: 200, admin: 200, revoked: 401, cookieNoCsrf: 200, session: 200, readOnly: 200 }],
    ['PATCH /api/v1/links/{slug}', () => ({ method: 'PATCH', path: L(), json: { tags: ['m'] } }),
      { anonymous: 401, other: 404, owner: 200, admin: 200, revoked: 401, cookieNoCsrf: 403, session: 200, readOnly: 403 }],
    ['DELETE /api/v1/links/{slug}', (caller, i) => ({ method: 'DELETE', path: `/api/v1/links/${deletable[i]}` }),
      { anonymous: 401, other: 404, owner: 204, admin: 204, revoked: 401, cookieNoCsrf: 403, session: 204, readOnly: 403 }],
    ['GET /api/v1/links/{slug}/stats', () => ({ method: 'GET', path: `${L()}/stats` }),
      { anonymous: 401, other: 404, owner: 200, admin: 200, revoked: 401, cookieNoCsrf: 200, session: 200, readOnly: 403 }],
    ['GET /api/v1/links/{slug}/clicks', () => ({ method: 'GET', path: `${L()}/clicks?format=ndjson` }),
      { anonymous: 401, other: 404, owner: 200, admin: 200, revoked: 401, cookieNoCsrf: 200, session: 200, readOnly: 403 }],
    ['DELETE /api/v1/links/{slug}/clicks (erasure)', () => ({ method: 'DELETE', path: `${L()}/clicks?before=2000-01-01` }),
      { anonymous: 401, other: 404, owner: 200, admin: 200, revoked: 401, cookieNoCsrf: 403, session: 200, readOnly: 403 }],
    ['GET /api/v1/links/{slug}/live', () => ({ method: 'GET', path: `${L()}/live`, sse: true }),
      { anonymous: 401, other: 404, owner: 200, admin: 200, revoked: 401, cookieNoCsrf: 200, session: 200, readOnly: 403 }],
    ['GET /api/v1/stats (overview: own links; admin all)', () => ({ method: 'GET', path: '/api/v1/stats' }),
      { anonymous: 401, other: 200, owner: 200, admin: 200, revoked: 401, cookieNoCsrf: 200, session: 200, readOnly: 403 }],
    ['GET /api/v1/live (overview stream: own links; admin all)', () => ({ method: 'GET', path: '/api/v1/live', sse: true }),
      { anonymous: 401, other: 200, owner: 200, admin: 200, revoked: 401, cookieNoCsrf: 200, session: 200, readOnly: 403 }],
    ['GET /api/v1/keys', () => ({ method: 'GET', path: '/api/v1/keys' }),
      { anonymous: 401, other: 200, owner: 200, admin: 200, revoked: 401, cookieNoCsrf: 200, session: 200, readOnly: 200 }],
    ['POST /api/v1/keys (sessions and admin keys only)',
      () => ({ method: 'POST', path: '/api/v1/keys', json: { name: 'made', scopes: ['links:read'] } }),
      { anonymous: 401, other: 403, owner: 403, admin: 201, revoked: 401, cookieNoCsrf: 403, session: 201, readOnly: 403 }],
    ['DELETE /api/v1/keys/{id} (the owner\'s key)', (caller, i) => ({ method: 'DELETE', path: `/api/v1/keys/${revocable[i]}` }),
      { anonymous: 401, other: 404, owner: 204, admin: 204, revoked: 401, cookieNoCsrf: 403, session: 204, readOnly: 204 }],
    ['GET /api/v1/links/{slug}/qr.svg', () => ({ method: 'GET', path: `${L()}/qr.svg` }),
      { anonymous: 200, other: 200, owner: 200, admin: 200, revoked: 200, cookieNoCsrf: 200, session: 200, readOnly: 200 }],
    ['GET /{slug}', () => ({ method: 'GET', path: `/${ownerSlug}` }),
      { anonymous: 302, other: 302, owner: 302, admin: 302, revoked: 302, cookieNoCsrf: 302, session: 302, readOnly: 302 }],
    ['GET /api/v1/auth/session', () => ({ method: 'GET', path: '/api/v1/auth/session' }),
      { anonymous: 200, other: 200, owner: 200, admin: 200, revoked: 200, cookieNoCsrf: 200, session: 200, readOnly: 200 }],
    ['GET /healthz', () => ({ method: 'GET', path: '/healthz' }),
      { anonymous: 200, other: 200, owner: 200, admin: 200, revoked: 200, cookieNoCsrf: 200, session: 200, readOnly: 200 }],
  ];

  for (const [name, request, expected] of rows) {
    test(name, async () => {
      const wrong = [];
      for (const [i, caller] of CALLERS.entries()) {
        const { method, path, json, sse } = request(caller, i);
        let status;
        if (sse) {
          const ac = new AbortController();
          const res = await fetch(base + path, { headers: headers[caller], signal: ac.signal });
          status = res.status;
          ac.abort();
        } else {
          ({ status } = await api(base, path, { method, json, headers: headers[caller] }));
        }
        if (status !== expected[caller]) wrong.push(`${caller}: got ${status}, want ${expected[caller]}`);
      }
      assert.deepEqual(wrong, [], `${name}\n${wrong.join('\n')}`);
    });
  }

  test('list shows only the caller\'s own links unless admin', async () => {
    const slugs = async (caller) =>
      (await api(base, '/api/v1/links?limit=100', { headers: headers[caller] })).body.items.map((l) => l.slug);
    assert.ok((await slugs('owner')).includes(ownerSlug));
    assert.ok(!(await slugs('other')).includes(ownerSlug));
    assert.ok((await slugs('admin')).includes(ownerSlug));
  });

  test('export holds only the caller\'s own links unless admin', async () => {
    const slugs = async (caller) => (await api(base, '/api/v1/links/export?format=ndjson', { headers: headers[caller] }))
      .text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l).slug);
    assert.ok((await slugs('owner')).includes(ownerSlug));
    assert.ok(!(await slugs('other')).includes(ownerSlug));
    assert.ok((await slugs('admin')).includes(ownerSlug));
  });

  test('a 401 carries WWW-Authenticate and a JSON error code', async () => {
    const r = await api(base, '/api/v1/links', { headers: headers.revoked });
    assert.equal(r.status, 401);
    assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.equal(r.body.error.code, 'unauthorized');
  });

  test('a cookie write without the CSRF header is refused as csrf_failed and changes nothing', async () => {
    const r = await api(base, L(), { method: 'PATCH', json: { url: 'https://evil.example/' }, headers: headers.cookieNoCsrf });
    assert.equal(r.status, 403);
    assert.equal(r.body.error.code, 'csrf_failed');
    const got = await api(base, L(), { headers: headers.owner });
    assert.notEqual(got.body.long_url, 'https://evil.example/');
  });

  test('another user cannot revoke the owner\'s key', async () => {
    const otherSession = headers.other;  // a key: key management needs a session or admin
    const r = await api(base, `/api/v1/keys/${ownerKeyId}`, { method: 'DELETE', headers: otherSession });
    assert.ok(r.status === 403 || r.status === 404, `status ${r.status}`);
    const still = await api(base, L(), { headers: headers.owner });
    assert.equal(still.status, 200);
  });
});
