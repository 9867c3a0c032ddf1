// Accounts and API keys (issue #7): the `keys` and `users` commands, login/logout and the session cookie,
// CSRF, sign-up, key management over the API, anonymous shortening with stats tokens, and auth mode none.
// The full endpoint × principal matrix is tests/e2e/authz-matrix.test.mjs.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { DISTRIBUTED, api, distributedEnv, makeDataDir, runCli, startServer, waitFor } from './support.mjs';

/** Reads a Server-Sent Events stream in the background: {events, next(type), close()}. */
async function readSse(base, pathname, headers) {
  const controller = new AbortController();
  const res = await fetch(base + pathname, { headers, signal: controller.signal });
  assert.equal(res.status, 200);
  const events = [];
  (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const e = {};
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) e.event = line.slice(7);
            if (line.startsWith('data: ')) e.json = JSON.parse(line.slice(6));
          }
          if (e.event) events.push(e);
        }
      }
    } catch {}
  })();
  return {
    events,
    next: (type) => waitFor(() => events.find((e) => e.event === type), 5000, `SSE event ${type}`),
    close: () => controller.abort(),
  };
}

// Settings that point the CLI at the same database as a server on `dataDir` (SQLite, or PostgreSQL when the
// suite runs distributed).
function dbEnv(dataDir) {
  const env = { SHORTENER_DATA_DIR: dataDir };
  if (DISTRIBUTED) env.DATABASE_URL = distributedEnv(dataDir).DATABASE_URL;
  return env;
}

function cli(dataDir, args, input) {
  return runCli(args, { env: dbEnv(dataDir), input });
}

function table(stdout) {
  const [header, ...rows] = stdout.trim().split('\n').map((l) => l.split('\t'));
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

describe('accounts CLI', () => {
  test('keys create prints the key once on stdout; keys list never shows it; revoke marks it', () => {
    const dir = makeDataDir();
    const created = cli(dir, ['keys', 'create', '--name', 'ci deploy', '--scopes', 'links:read,stats:read']);
    assert.equal(created.status, 0, created.stderr);
    const key = created.stdout.trim();
    assert.match(key, /^sk_[0-9A-Za-z]{43}$/);
    assert.equal(created.stdout, `${key}\n`, 'stdout holds the key and nothing else');

    const listed = cli(dir, ['keys', 'list']);
    assert.equal(listed.status, 0, listed.stderr);
    assert.ok(!listed.stdout.includes(key), 'the key is never listed');
    const [row] = table(listed.stdout);
    assert.equal(row.PREFIX, key.slice(0, 11));
    assert.equal(row.NAME, 'ci deploy');
    assert.equal(row.OWNER, 'service');
    assert.equal(row.SCOPES, 'links:read stats:read');
    assert.equal(row.REVOKED, '-');

    const revoked = cli(dir, ['keys', 'revoke', row.ID]);
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.notEqual(table(cli(dir, ['keys', 'list']).stdout)[0].REVOKED, '-');
    assert.equal(cli(dir, ['keys', 'revoke', '999']).status, 1);
    assert.equal(cli(dir, ['keys', 'revoke', 'abc']).status, 2);
  });

  test('keys create: bad scopes, missing name and unknown users are refused', () => {
    const dir = makeDataDir();
    let r = cli(dir, ['keys', 'create', '--name', 'x', '--scopes', 'links:read,root']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /scopes/);
    assert.equal(r.stdout, '');
    r = cli(dir, ['keys', 'create']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--name/);
    r = cli(dir, ['keys', 'create', '--name', 'x', '--user', 'nobody@example.com']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /nobody@example.com/);
    r = cli(dir, ['keys', 'frobnicate']);
    assert.equal(r.status, 2);
  });

  test('users create reads the password from stdin; users list; duplicates and weak passwords refused', () => {
    const dir = makeDataDir();
    let r = cli(dir, ['users', 'create', '--email', 'Admin@Example.COM', '--admin'], 'correct horse battery\n');
    assert.equal(r.status, 0, r.stderr);
    r = cli(dir, ['users', 'create', '--email', 'bob@example.com', '--password-stdin'], 'bobs password\n');
    assert.equal(r.status, 0, r.stderr);
    const users = table(cli(dir, ['users', 'list']).stdout);
    assert.deepEqual(users.map((u) => [u.EMAIL, u.ROLE]), [
      ['service', 'service'],
      ['admin@example.com', 'admin'],
      ['bob@example.com', 'user'],
    ]);
    r = cli(dir, ['users', 'create', '--email', 'bob@example.com'], 'another password\n');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /exists/);
    r = cli(dir, ['users', 'create', '--email', 'carol@example.com'], 'short\n');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /8 to 1024/);
    r = cli(dir, ['users', 'create', '--email', 'not-an-email'], 'long enough pw\n');
    assert.equal(r.status, 2);
    // A password is never a flag value.
    r = cli(dir, ['users', 'create', '--email', 'dave@example.com', '--password', 'secret12345']);
    assert.notEqual(r.status, 0);
  });

  test('--help lists the auth settings; bad values stop the server with exit 2', () => {
    const help = runCli(['--help']);
    for (const name of ['SHORTENER_AUTH', 'SHORTENER_SIGNUP', 'SHORTENER_ANONYMOUS_SHORTENING', 'keys create', 'users create']) {
      assert.ok(help.stdout.includes(name), name);
    }
    for (const env of [{ SHORTENER_SIGNUP: 'yes' }, { SHORTENER_ANONYMOUS_SHORTENING: 'true' }, { SHORTENER_AUTH: 'maybe' }]) {
      const r = runCli(['serve'], { env });
      assert.equal(r.status, 2, JSON.stringify(env));
      assert.match(r.stderr, new RegExp(Object.keys(env)[0]));
    }
  });

  test('keys create --user: an admin scope needs an admin user', () => {
    const dir = makeDataDir();
    cli(dir, ['users', 'create', '--email', 'bob@example.com'], 'bobs password\n');
    let r = cli(dir, ['keys', 'create', '--name', 'b', '--user', 'bob@example.com', '--scopes', 'admin']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /admin/);
    r = cli(dir, ['keys', 'create', '--name', 'b', '--user', 'BOB@example.com']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(table(cli(dir, ['keys', 'list']).stdout)[0].OWNER, 'bob@example.com');
  });
});

// ---- HTTP ----

const ADMIN = { email: 'admin@example.com', password: 'admin password 1' };
const ALICE = { email: 'alice@example.com', password: 'alice password 1' };
const BOB = { email: 'bob@example.com', password: 'bob password 12' };

/** Creates users (before the server starts) and returns a started server in required mode. */
async function requiredServer({ env = {}, users = [ADMIN, ALICE, BOB] } = {}) {
  const dataDir = makeDataDir();
  for (const u of users) {
    const args = ['users', 'create', '--email', u.email];
    if (u === ADMIN) args.push('--admin');
    const r = cli(dataDir, args, `${u.password}\n`);
    assert.equal(r.status, 0, r.stderr);
  }
  const server = await startServer({ dataDir, env: { SHORTENER_AUTH: 'required', ...env } });
  server.cli = (args, input) => cli(dataDir, args, input);
  return server;
}

/** A CLI-made key ({key}) for `email` (or the service owner), with `scopes`. */
function cliKey(server, scopes = 'links:write,links:read,stats:read', email) {
  const args = ['keys', 'create', '--name', `k-${scopes}`, '--scopes', scopes];
  if (email) args.push('--user', email);
  const r = server.cli(args);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

const bearer = (key) => ({ authorization: `Bearer ${key}` });

function cookiesOf(res) {
  const out = {};
  for (const c of res.headers.getSetCookie()) {
    const [pair, ...attrs] = c.split(';').map((s) => s.trim());
    const eq = pair.indexOf('=');
    out[pair.slice(0, eq)] = { value: pair.slice(eq + 1), attrs, raw: c };
  }
  return out;
}

/** Logs in; returns {status, body, cookies, headers(write?)} where headers() carries the cookie (and CSRF). */
async function login(server, user) {
  const r = await api(server.base, '/api/v1/auth/login', { method: 'POST', json: user });
  const cookies = cookiesOf(r);
  const cookie = cookies.shortener_session ? `shortener_session=${cookies.shortener_session.value}` : '';
  return {
    ...r,
    cookies,
    cookie,
    headers: (csrf = true) => ({ cookie, ...(csrf ? { 'x-csrf-token': r.body?.csrf_token } : {}) }),
  };
}

describe('auth mode required: sessions and CSRF', () => {
  let server;
  before(async () => {
    server = await requiredServer();
  });
  after(() => server?.stop());

  test('GET /api/v1/auth/session without credentials: never 401', async () => {
    const r = await api(server.base, '/api/v1/auth/session');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { mode: 'required', signup: false, anonymous_shortening: false, password_login: true, sso: null,
      user: null, csrf_token: null });
  });

  test('no credential → 401 unauthorized with WWW-Authenticate on every protected route', async () => {
    for (const [method, path] of [
      ['GET', '/api/v1/links'], ['POST', '/api/v1/links'], ['POST', '/api/shorten'], ['GET', '/api/v1/links/abcdef'],
      ['PATCH', '/api/v1/links/abcdef'], ['DELETE', '/api/v1/links/abcdef'], ['GET', '/api/v1/links/abcdef/stats'],
      ['GET', '/api/v1/links/abcdef/clicks'], ['GET', '/api/v1/stats'], ['GET', '/api/v1/keys'], ['POST', '/api/v1/keys'],
      ['DELETE', '/api/v1/keys/1'], ['POST', '/api/v1/auth/logout'],
    ]) {
      const r = await api(server.base, path, { method, json: method === 'GET' || method === 'DELETE' ? undefined : {} });
      assert.equal(r.status, 401, `${method} ${path}: ${r.text}`);
      assert.equal(r.body.error.code, 'unauthorized');
      assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="shortener"');
    }
    // Health, readiness and the UI stay open.
    assert.equal((await api(server.base, '/healthz')).status, 200);
    assert.equal((await api(server.base, '/readyz')).status, 200);
  });

  test('login: wrong password and unknown email get the same 401 invalid_credentials', async () => {
    const wrong = await login(server, { email: ALICE.email, password: 'not her password' });
    const unknown = await login(server, { email: 'nobody@example.com', password: 'whatever123' });
    const service = await login(server, { email: 'service', password: 'anything at all' });
    for (const r of [wrong, unknown, service]) {
      assert.equal(r.status, 401, r.text);
      assert.deepEqual(r.body, wrong.body);
      assert.equal(r.body.error.code, 'invalid_credentials');
      assert.deepEqual(r.cookies, {});
    }
    const bad = await api(server.base, '/api/v1/auth/login', { method: 'POST', json: { email: ALICE.email } });
    assert.equal(bad.status, 400);
  });

  test('login sets the session and CSRF cookies exactly as the contract says', async () => {
    const r = await login(server, { email: 'ALICE@example.com', password: ALICE.password });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.user, { id: r.body.user.id, email: ALICE.email, is_admin: false });
    assert.match(r.body.csrf_token, /^[0-9A-Za-z]{43}$/);
    const s = r.cookies.shortener_session;
    const c = r.cookies.shortener_csrf;
    assert.match(s.value, /^[0-9A-Za-z]{43}$/);
    assert.deepEqual(s.attrs, ['Path=/', 'HttpOnly', 'SameSite=Lax', 'Max-Age=2592000']);
    assert.equal(c.value, r.body.csrf_token);
    assert.deepEqual(c.attrs, ['Path=/', 'SameSite=Strict', 'Max-Age=2592000']);  // readable by the page
    const session = await api(server.base, '/api/v1/auth/session', { headers: r.headers(false) });
    assert.equal(session.body.user.email, ALICE.email);
    assert.equal(session.body.csrf_token, r.body.csrf_token);
  });

  test('cookie-authenticated writes need X-CSRF-Token; reads do not', async () => {
    const alice = await login(server, ALICE);
    const url = { url: 'https://example.com/csrf' };
    let r = await api(server.base, '/api/v1/links', { method: 'POST', json: url, headers: alice.headers(false) });
    assert.equal(r.status, 403);
    assert.equal(r.body.error.code, 'csrf_failed');
    r = await api(server.base, '/api/v1/links', {
      method: 'POST', json: url, headers: { ...alice.headers(false), 'x-csrf-token': 'x'.repeat(43) },
    });
    assert.equal(r.body.error.code, 'csrf_failed');
    // Another session's token is no good either.
    const bob = await login(server, BOB);
    r = await api(server.base, '/api/v1/links', {
      method: 'POST', json: url, headers: { ...alice.headers(false), 'x-csrf-token': bob.body.csrf_token },
    });
    assert.equal(r.body.error.code, 'csrf_failed');
    r = await api(server.base, '/api/v1/links', { method: 'POST', json: url, headers: alice.headers() });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.stats_token, undefined);
    r = await api(server.base, '/api/v1/links', { headers: alice.headers(false) });
    assert.equal(r.status, 200);
    // Keys are not cookies: a bearer write needs no CSRF token.
    r = await api(server.base, '/api/v1/links', { method: 'POST', json: url, headers: bearer(cliKey(server)) });
    assert.equal(r.status, 201, r.text);
  });

  test('logout needs CSRF, deletes the session and clears both cookies', async () => {
    const alice = await login(server, ALICE);
    let r = await api(server.base, '/api/v1/auth/logout', { method: 'POST', headers: alice.headers(false) });
    assert.equal(r.status, 403);
    assert.equal(r.body.error.code, 'csrf_failed');
    r = await api(server.base, '/api/v1/auth/logout', { method: 'POST', headers: alice.headers() });
    assert.equal(r.status, 204);
    const cleared = cookiesOf(r);
    assert.equal(cleared.shortener_session.value, '');
    assert.ok(cleared.shortener_session.attrs.includes('Max-Age=0'));
    assert.equal(cleared.shortener_csrf.value, '');
    assert.ok(cleared.shortener_csrf.attrs.includes('Max-Age=0'));
    r = await api(server.base, '/api/v1/links', { headers: alice.headers() });
    assert.equal(r.status, 401);
    r = await api(server.base, '/api/v1/auth/session', { headers: alice.headers() });
    assert.equal(r.status, 200);
    assert.equal(r.body.user, null);
  });

  test('sign-up is closed by default', async () => {
    const r = await api(server.base, '/api/v1/auth/signup', { method: 'POST', json: { email: 'new@example.com', password: 'long enough 1' } });
    assert.equal(r.status, 403);
    assert.equal(r.body.error.code, 'signup_closed');
  });

  test('bad bearer credentials → 401; a key without the scope → 403 insufficient_scope', async () => {
    for (const authorization of ['Bearer sk_nope', `Bearer sk_${'a'.repeat(43)}`, 'Basic YTpi', 'Bearer ']) {
      const r = await api(server.base, '/api/v1/links', { headers: { authorization } });
      assert.equal(r.status, 401, authorization);
    }
    const reader = cliKey(server, 'links:read');
    let r = await api(server.base, '/api/v1/links', { headers: bearer(reader) });
    assert.equal(r.status, 200);
    r = await api(server.base, '/api/v1/links', { method: 'POST', json: { url: 'https://example.com/' }, headers: bearer(reader) });
    assert.equal(r.status, 403);
    assert.equal(r.body.error.code, 'insufficient_scope');
    r = await api(server.base, '/api/v1/links/abcdef/stats', { headers: bearer(reader) });
    assert.equal(r.body.error.code, 'insufficient_scope');
  });

  test('the overview needs stats:read; admins see everything', async () => {
    const reader = cliKey(server, 'links:read', ALICE.email);
    let r = await api(server.base, '/api/v1/stats', { headers: bearer(reader) });
    assert.equal(r.status, 403);
    assert.equal(r.body.error.code, 'insufficient_scope');
    r = await api(server.base, '/api/v1/live', { headers: bearer(reader) });
    assert.equal(r.status, 403);
    r = await api(server.base, '/api/v1/stats', { headers: bearer(cliKey(server, 'admin')) });
    assert.equal(r.status, 200, r.text);
    const session = await login(server, ADMIN);
    r = await api(server.base, '/api/v1/stats', { headers: session.headers(false) });
    assert.equal(r.status, 200, r.text);
  });
});

describe('API keys over HTTP', () => {
  let server;
  before(async () => {
    server = await requiredServer();
  });
  after(() => server?.stop());

  test('a session creates, lists and revokes its keys; the key works at once and stops at once', async () => {
    const alice = await login(server, ALICE);
    let r = await api(server.base, '/api/v1/keys', {
      method: 'POST', json: { name: 'laptop', scopes: ['links:read', 'links:write'] }, headers: alice.headers(),
    });
    assert.equal(r.status, 201, r.text);
    const { key, ...shown } = r.body;
    assert.match(key, /^sk_[0-9A-Za-z]{43}$/);
    assert.equal(shown.prefix, key.slice(0, 11));
    assert.deepEqual(shown.scopes, ['links:write', 'links:read']);
    assert.equal(shown.name, 'laptop');
    assert.equal(shown.revoked_at, null);
    assert.equal(shown.last_used_at, null);

    r = await api(server.base, '/api/v1/links', { headers: bearer(key) });
    assert.equal(r.status, 200);
    r = await api(server.base, '/api/v1/keys', { headers: alice.headers(false) });
    assert.equal(r.status, 200);
    assert.equal(r.body.items.length, 1);
    assert.equal(r.body.items[0].id, shown.id);
    assert.equal(r.body.items[0].key, undefined, 'the key itself is never listed');
    assert.ok(r.body.items[0].last_used_at, 'its use was recorded');

    // Bob sees none of Alice's keys and cannot revoke them.
    const bob = await login(server, BOB);
    r = await api(server.base, '/api/v1/keys', { headers: bob.headers(false) });
    assert.deepEqual(r.body.items, []);
    r = await api(server.base, `/api/v1/keys/${shown.id}`, { method: 'DELETE', headers: bob.headers() });
    assert.equal(r.status, 404);
    r = await api(server.base, `/api/v1/keys/${shown.id}`, { method: 'DELETE', headers: alice.headers(false) });
    assert.equal(r.status, 403, 'revoking by cookie needs the CSRF token');

    r = await api(server.base, `/api/v1/keys/${shown.id}`, { method: 'DELETE', headers: alice.headers() });
    assert.equal(r.status, 204);
    r = await api(server.base, '/api/v1/links', { headers: bearer(key) });
    assert.equal(r.status, 401, 'revoked through this process: refused at once');
    r = await api(server.base, '/api/v1/keys', { headers: alice.headers(false) });
    assert.ok(r.body.items[0].revoked_at);
    for (const id of ['abc', '0', '-1', '99999999999999999999']) {
      r = await api(server.base, `/api/v1/keys/${id}`, { method: 'DELETE', headers: alice.headers() });
      assert.equal(r.status, 404, id);
    }
  });

  test('key creation rules: names, scopes, admin only from admins, no keys from non-admin keys', async () => {
    const alice = await login(server, ALICE);
    const post = (json, headers = alice.headers()) => api(server.base, '/api/v1/keys', { method: 'POST', json, headers });
    let r = await post({ name: 'x', scopes: ['admin'] });
    assert.equal(r.status, 400);
    assert.equal(r.body.error.code, 'invalid_scopes');
    for (const scopes of [['root'], [], 'links:read', [1]]) {
      r = await post({ name: 'x', scopes });
      assert.equal(r.body.error.code, 'invalid_scopes', JSON.stringify(scopes));
    }
    for (const name of ['', 'x'.repeat(101), 'a\u0000b', 7]) {
      r = await post({ name });
      assert.equal(r.status, 400, JSON.stringify(name));
    }
    r = await post({ name: 'x', extra: 1 });
    assert.equal(r.body.error.code, 'invalid_request');
    r = await post({ name: 'default scopes' });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.body.scopes, ['links:write', 'links:read', 'stats:read']);
    // A (non-admin) key cannot mint keys; an admin key can, and may grant admin.
    r = await post({ name: 'y' }, bearer(r.body.key));
    assert.equal(r.status, 403);
    assert.equal(r.body.error.code, 'insufficient_scope');
    r = await post({ name: 'z', scopes: ['admin'] }, bearer(cliKey(server, 'admin')));
    assert.equal(r.status, 201, r.text);
    const admin = await login(server, ADMIN);
    r = await post({ name: 'z', scopes: ['admin', 'stats:read'] }, admin.headers());
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.body.scopes, ['stats:read', 'admin']);
  });

  test('a key revoked with the CLI stops working within 5 seconds', async () => {
    const key = cliKey(server, 'links:read', ALICE.email);
    assert.equal((await api(server.base, '/api/v1/links', { headers: bearer(key) })).status, 200);
    const row = table(server.cli(['keys', 'list']).stdout).find((k) => k.PREFIX === key.slice(0, 11));
    const started = Date.now();
    assert.equal(server.cli(['keys', 'revoke', row.ID]).status, 0);
    for (;;) {
      const r = await api(server.base, '/api/v1/links', { headers: bearer(key) });
      if (r.status === 401) break;
      assert.ok(Date.now() - started < 5500, 'still accepted after 5 s');
      await new Promise((res) => setTimeout(res, 200));
    }
  });
});

describe('sign-up open', () => {
  let server;
  before(async () => {
    server = await requiredServer({ env: { SHORTENER_SIGNUP: 'open' }, users: [] });
  });
  after(() => server?.stop());

  test('creates an account and a session; duplicates, bad emails and weak passwords are refused', async () => {
    const signup = (json) => api(server.base, '/api/v1/auth/signup', { method: 'POST', json });
    let r = await signup({ email: 'New.User@Example.com', password: 'long enough 1' });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.body.user, { id: r.body.user.id, email: 'new.user@example.com', is_admin: false });
    const cookies = cookiesOf(r);
    assert.ok(cookies.shortener_session.attrs.includes('HttpOnly'));
    assert.equal(cookies.shortener_csrf.value, r.body.csrf_token);
    r = await signup({ email: 'new.user@example.com', password: 'another one 2' });
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, 'email_taken');
    r = await signup({ email: 'not-an-email', password: 'long enough 1' });
    assert.equal(r.body.error.code, 'invalid_email');
    r = await signup({ email: 'x@example.com', password: 'short' });
    assert.equal(r.body.error.code, 'weak_password');
    r = await signup({ email: 'service', password: 'long enough 1' });
    assert.equal(r.body.error.code, 'invalid_email');
    r = await api(server.base, '/api/v1/auth/session');
    assert.equal(r.body.signup, true);
    const session = await login(server, { email: 'new.user@example.com', password: 'long enough 1' });
    assert.equal(session.status, 200);
  });
});

describe('password guessing', () => {
  let server;
  before(async () => {
    server = await requiredServer({ env: { SHORTENER_SIGNUP: 'open', SHORTENER_TRUSTED_PROXIES: '127.0.0.1/32' },
                                    users: [ALICE] });
  });
  after(() => server?.stop());

  const from = (ip, json) =>
    api(server.base, '/api/v1/auth/login', { method: 'POST', json, headers: { 'x-forwarded-for': ip } });

  test('logins are limited per client address before any hash is computed, then per account', async () => {
    for (let i = 0; i < 10; i++) {
      const r = await from('198.51.100.1', { email: ALICE.email, password: `guess ${i}` });
      assert.equal(r.status, 401, `guess ${i}`);
    }
    const limited = await from('198.51.100.1', ALICE);  // even the right password
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error.code, 'rate_limited');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    // Another address still logs in: the account is not locked by someone else's ten guesses.
    assert.equal((await from('198.51.100.2', ALICE)).status, 200);
    // Guesses spread over many addresses run into the account's own bucket (20 in all).
    let status;
    for (let i = 0; i < 12; i++) {
      status = (await from(`203.0.113.${i + 1}`, { email: ALICE.email, password: `spread ${i}` })).status;
    }
    assert.equal(status, 429);
  });

  test('sign-ups are limited per client address', async () => {
    const statuses = [];
    for (let i = 0; i < 11; i++) {
      const r = await api(server.base, '/api/v1/auth/signup', {
        method: 'POST', json: { email: `u${i}@example.com`, password: 'long enough 1' },
        headers: { 'x-forwarded-for': '192.0.2.77' } });
      statuses.push(r.status);
    }
    assert.deepEqual(statuses, [...Array(10).fill(201), 429]);
  });
});

describe('cookies over https', () => {
  test('get Secure when the public URL is https', async () => {
    const server = await requiredServer({ env: { SHORTENER_PUBLIC_URL: 'https://sho.example' }, users: [ALICE] });
    try {
      const r = await login(server, ALICE);
      assert.equal(r.status, 200, r.text);
      assert.ok(r.cookies.shortener_session.attrs.includes('Secure'));
      assert.ok(r.cookies.shortener_csrf.attrs.includes('Secure'));
    } finally {
      await server.stop();
    }
  });
});

describe('anonymous shortening', () => {
  test('off: anonymous creation is 401', async () => {
    const server = await requiredServer({ users: [] });
    try {
      const r = await api(server.base, '/api/shorten', { method: 'POST', json: { url: 'https://example.com/' } });
      assert.equal(r.status, 401);
    } finally {
      await server.stop();
    }
  });

  test('on: the stats token returned once opens that link\'s stats, and nothing else', async () => {
    const server = await requiredServer({ env: { SHORTENER_ANONYMOUS_SHORTENING: 'on' }, users: [ADMIN, ALICE] });
    try {
      const session = await api(server.base, '/api/v1/auth/session');
      assert.equal(session.body.anonymous_shortening, true);
      let r = await api(server.base, '/api/v1/links', { method: 'POST', json: { url: 'https://example.com/anon' } });
      assert.equal(r.status, 201, r.text);
      const { slug, stats_token: token } = r.body;
      assert.match(token, /^st_[0-9A-Za-z]{43}$/);
      r = await api(server.base, '/api/shorten', { method: 'POST', json: { url: 'https://example.com/seed' } });
      assert.equal(r.status, 201);
      assert.match(r.body.stats_token, /^st_[0-9A-Za-z]{43}$/);
      assert.notEqual(r.body.stats_token, token);
      const other = r.body;

      // The link redirects for everyone.
      const redirect = await fetch(`${server.base}/${slug}`, { redirect: 'manual' });
      assert.equal(redirect.status, 302);

      r = await api(server.base, `/api/v1/links/${slug}/stats`, { headers: { 'x-stats-token': token } });
      assert.equal(r.status, 200, r.text);
      r = await api(server.base, `/api/v1/links/${slug}/stats?token=${token}`);
      assert.equal(r.status, 200, r.text);
      r = await api(server.base, `/api/v1/links/${slug}/clicks?format=ndjson&token=${token}`);
      assert.equal(r.status, 200, r.text);
      const live = await fetch(`${server.base}/api/v1/links/${slug}/live?token=${token}`);
      assert.equal(live.status, 200);
      assert.match(live.headers.get('content-type'), /text\/event-stream/);
      await live.body.cancel();

      // Without it, with another link's token, or with a wrong one: refused.
      for (const headers of [{}, { 'x-stats-token': other.stats_token }, { 'x-stats-token': `st_${'x'.repeat(43)}` }]) {
        r = await api(server.base, `/api/v1/links/${slug}/stats`, { headers });
        assert.equal(r.status, 401, JSON.stringify(headers));
      }
      // The token grants nothing but stats.
      r = await api(server.base, `/api/v1/links/${slug}`, { headers: { 'x-stats-token': token } });
      assert.equal(r.status, 401);
      r = await api(server.base, `/api/v1/links/${slug}`, { method: 'PATCH', json: { url: 'https://evil.example/' }, headers: { 'x-stats-token': token } });
      assert.equal(r.status, 401);
      r = await api(server.base, `/api/v1/links/${slug}`, { method: 'DELETE', headers: { 'x-stats-token': token } });
      assert.equal(r.status, 401);
      // An anonymous link belongs to nobody: a user cannot see it, an admin can.
      r = await api(server.base, `/api/v1/links/${slug}`, { headers: bearer(cliKey(server, 'links:read', ALICE.email)) });
      assert.equal(r.status, 404);
      r = await api(server.base, `/api/v1/links/${slug}`, { headers: bearer(cliKey(server, 'admin')) });
      assert.equal(r.status, 200);
      assert.equal(r.body.stats_token, undefined);
      // Authenticated creators get no token.
      r = await api(server.base, '/api/v1/links', { method: 'POST', json: { url: 'https://example.com/k' }, headers: bearer(cliKey(server)) });
      assert.equal(r.status, 201);
      assert.equal(r.body.stats_token, undefined);
    } finally {
      await server.stop();
    }
  });
});

describe('ownership', () => {
  let server;
  let alice;
  let bob;
  let admin;
  before(async () => {
    server = await requiredServer();
    alice = cliKey(server, 'links:write,links:read,stats:read', ALICE.email);
    bob = cliKey(server, 'links:write,links:read,stats:read', BOB.email);
    admin = cliKey(server, 'admin');
  });
  after(() => server?.stop());

  test('a key sees and manages only its owner\'s links; another owner\'s link is 404; admin sees all', async () => {
    let r = await api(server.base, '/api/v1/links', { method: 'POST', json: { url: 'https://example.com/alice' }, headers: bearer(alice) });
    assert.equal(r.status, 201, r.text);
    const slug = r.body.slug;
    assert.equal(r.body.owner_id, undefined, 'owner_id is not shown');
    r = await api(server.base, '/api/v1/links', { method: 'POST', json: { url: 'https://example.com/bob' }, headers: bearer(bob) });
    const bobSlug = r.body.slug;

    const slugsOf = async (key) => (await api(server.base, '/api/v1/links', { headers: bearer(key) })).body.items.map((l) => l.slug);
    assert.deepEqual(await slugsOf(alice), [slug]);
    assert.deepEqual(await slugsOf(bob), [bobSlug]);
    assert.deepEqual((await slugsOf(admin)).sort(), [slug, bobSlug].sort());

    assert.equal((await api(server.base, `/api/v1/links/${slug}`, { headers: bearer(alice) })).status, 200);
    assert.equal((await api(server.base, `/api/v1/links/${slug}/stats`, { headers: bearer(alice) })).status, 200);
    for (const [method, path, json] of [
      ['GET', `/api/v1/links/${slug}`], ['PATCH', `/api/v1/links/${slug}`, { tags: ['x'] }],
      ['DELETE', `/api/v1/links/${slug}`], ['GET', `/api/v1/links/${slug}/stats`],
      ['GET', `/api/v1/links/${slug}/clicks`], ['GET', `/api/v1/links/${slug}/live`],
    ]) {
      r = await api(server.base, path, { method, json, headers: bearer(bob) });
      assert.equal(r.status, 404, `${method} ${path}`);
      assert.equal(r.body.error.code, 'not_found');
    }
    r = await api(server.base, `/api/v1/links/${slug}`, { method: 'PATCH', json: { tags: ['mine'] }, headers: bearer(alice) });
    assert.equal(r.status, 200, r.text);
    // The overview of a non-admin sums their own links only; the live overview shows only their clicks.
    const live = await readSse(server.base, '/api/v1/live', bearer(alice));
    try {
      assert.deepEqual((await live.next('snapshot')).json.top_links, []);
      await fetch(`${server.base}/${bobSlug}`, { redirect: 'manual' });
      await fetch(`${server.base}/${slug}`, { redirect: 'manual' });
      const mine = await live.next('clicks');
      assert.equal(mine.json.slug, slug);
      await new Promise((res) => setTimeout(res, 500));
      assert.ok(!live.events.some((e) => e.json?.slug === bobSlug), 'no event of another owner\'s link');
    } finally {
      live.close();
    }
    const overview = await waitFor(async () => {
      const o = await api(server.base, '/api/v1/stats?bots=include', { headers: bearer(alice) });
      return o.body.totals.clicks === 1 ? o : null;
    }, 10_000, 'alice\'s overview');
    assert.deepEqual(overview.body.top_links.map((l) => l.slug), [slug]);
    const all = await api(server.base, '/api/v1/stats?bots=include', { headers: bearer(admin) });
    assert.equal(all.body.totals.clicks, 2);

    r = await api(server.base, `/api/v1/links/${bobSlug}`, { method: 'DELETE', headers: bearer(admin) });
    assert.equal(r.status, 204);
    // A slug taken by someone else is still taken (409, not a leak of anything but the slug).
    r = await api(server.base, '/api/v1/links', { method: 'POST', json: { url: 'https://example.com/', slug: `${slug}` }, headers: bearer(bob) });
    assert.equal(r.status, 409);
  });
});

describe('/metrics in required mode', () => {
  test('open to loopback peers; from elsewhere only with an admin key', async (t) => {
    const os = await import('node:os');
    const address = Object.values(os.networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    const server = await requiredServer({ env: { SHORTENER_LISTEN: '0.0.0.0:0' }, users: [ALICE] });
    try {
      assert.equal((await api(server.base, '/metrics')).status, 200);
      if (!address) {
        t.skip('no non-loopback IPv4 address on this machine');
        return;
      }
      const remote = `http://${address}:${server.port}`;
      let r = await api(remote, '/metrics');
      assert.equal(r.status, 401);
      r = await api(remote, '/metrics', { headers: bearer(cliKey(server, 'links:read,stats:read', ALICE.email)) });
      assert.equal(r.status, 403);
      assert.equal(r.body.error.code, 'forbidden');
      r = await api(remote, '/metrics', { headers: bearer(cliKey(server, 'admin')) });
      assert.equal(r.status, 200);
      assert.match(r.text, /shortener_/);
      // Forwarded headers do not make a remote peer local.
      r = await api(remote, '/metrics', { headers: { 'x-forwarded-for': '127.0.0.1' } });
      assert.equal(r.status, 401);
    } finally {
      await server.stop();
    }
  });
});

describe('auth mode default', () => {
  test('a non-loopback listen address defaults to required', async () => {
    const server = await startServer({ env: { SHORTENER_LISTEN: '0.0.0.0:0' } });
    try {
      const r = await api(server.base, '/api/v1/auth/session');
      assert.equal(r.body.mode, 'required');
      assert.equal((await api(server.base, '/api/v1/links')).status, 401);
    } finally {
      await server.stop();
    }
  });
});

describe('auth mode none (loopback default)', () => {
  test('everything is open as before; accounts endpoints are off', async () => {
    const server = await startServer();
    try {
      let r = await api(server.base, '/api/v1/auth/session');
      assert.deepEqual(r.body, { mode: 'none', signup: false, anonymous_shortening: false, password_login: false, sso: null,
        user: null, csrf_token: null });
      r = await api(server.base, '/api/v1/links', { method: 'POST', json: { url: 'https://example.com/none' } });
      assert.equal(r.status, 201);
      assert.equal(r.body.stats_token, undefined);
      const slug = r.body.slug;
      assert.equal((await api(server.base, '/api/v1/links')).body.items[0].slug, slug);
      assert.equal((await api(server.base, `/api/v1/links/${slug}/stats`)).status, 200);
      assert.equal((await api(server.base, '/api/v1/stats')).status, 200);
      assert.equal((await api(server.base, `/api/v1/links/${slug}`, { method: 'PATCH', json: { tags: ['t'] } })).status, 200);
      // Even a bogus credential is ignored: there is one trusted user.
      assert.equal((await api(server.base, '/api/v1/links', { headers: { authorization: 'Bearer nope' } })).status, 200);
      r = await api(server.base, '/api/v1/auth/login', { method: 'POST', json: ALICE });
      assert.equal(r.status, 404);
      r = await api(server.base, '/api/v1/keys');
      assert.equal(r.status, 404);
      assert.equal((await api(server.base, `/api/v1/links/${slug}`, { method: 'DELETE' })).status, 204);
    } finally {
      await server.stop();
    }
  });
});
