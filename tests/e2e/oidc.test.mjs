// Single sign-on with OpenID Connect (issue #16, docs/sso.md) through the real binary and a real OpenID provider
// (npm oidc-provider on loopback, tests/oidc/provider.mjs): the whole authorization code flow driven with fetch
// (redirects followed by hand, cookies kept per host), matching, linking and just-in-time creation, password login
// turned off, and the refusals: wrong state, replayed code, expired ID token, wrong audience, unknown signing key,
// and a key rotated at the provider (accepted after one JWKS refetch). Both modes (SHORTENER_E2E_DISTRIBUTED=1).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startProvider } from '../oidc/provider.mjs';
import { DISTRIBUTED, distributedEnv, makeDataDir, runCli, startServer } from './support.mjs';

const SECRET = 'client-secret-of-the-shortener-0123456789';

/** A browser without a page: one cookie jar per host, redirects followed by hand. */
class Browser {
  constructor() { this.jars = new Map(); }
  jar(url) {
    const host = new URL(url).host;
    if (!this.jars.has(host)) this.jars.set(host, new Map());
    return this.jars.get(host);
  }
  cookie(url, name) { return this.jar(url).get(name); }
  async get(url) {
    const jar = this.jar(url);
    const headers = { accept: 'application/json' };
    if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { redirect: 'manual', headers });
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (!value || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a))) jar.delete(name); else jar.set(name, value);
    }
    return res;
  }
  /** GETs `url` and follows redirects until `stop(url)` or a non-redirect answer; returns {res, url}. */
  async follow(url, stop = () => false) {
    for (let i = 0; i < 20; i++) {
      if (stop(url)) return { res: null, url };
      const res = await this.get(url);
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) return { res, url };
      await res.arrayBuffer();
      url = new URL(location, url).toString();
    }
    throw new Error('too many redirects');
  }
}

const isCallback = (url) => new URL(url).pathname === '/api/v1/auth/oidc/callback';

/** Drives the flow up to the provider's redirect back to the shortener; returns the callback URL (not requested). */
async function toCallback(browser, base, next = '/app/links/') {
  const { url } = await browser.follow(`${base}/api/v1/auth/oidc/login?next=${encodeURIComponent(next)}`, isCallback);
  assert.ok(isCallback(url), `ended at ${url}`);
  return url;
}

/** The whole flow: returns the callback's answer. */
async function signIn(browser, base) {
  const callback = await toCallback(browser, base);
  return browser.get(callback);
}

async function session(browser, base) {
  const res = await browser.get(`${base}/api/v1/auth/session`);
  return res.json();
}

async function errorCode(res) {
  return (await res.json()).error?.code;
}

function dbEnv(dataDir) {
  const env = { SHORTENER_DATA_DIR: dataDir };
  if (DISTRIBUTED) env.DATABASE_URL = distributedEnv(dataDir).DATABASE_URL;
  return env;
}

/** A shortener in auth mode required with single sign-on at `idp`, and the provider's client registered for it. */
async function shortenerFor(idp, env = {}) {
  const dataDir = makeDataDir();
  const server = await startServer({
    dataDir,
    env: { SHORTENER_AUTH: 'required', SHORTENER_OIDC_ISSUER: idp.issuer, SHORTENER_OIDC_CLIENT_ID: 'shortener',
      SHORTENER_OIDC_CLIENT_SECRET: SECRET, SHORTENER_OIDC_NAME: 'Example ID', ...env },
  });
  server.dataDir = dataDir;
  // The redirect URI is the public URL's (http://localhost:<port>); the browser must use that host throughout so
  // that the state cookie set at the start comes back with the callback.
  server.base = server.publicUrl;
  await idp.register({ client_id: 'shortener', client_secret: SECRET,
    redirect_uris: [`${server.base}/api/v1/auth/oidc/callback`] });
  return server;
}

describe(`single sign-on (${DISTRIBUTED ? 'distributed' : 'embedded'})`, () => {
  let idp;
  let server;

  before(async () => {
    idp = await startProvider();
    server = await shortenerFor(idp, { SHORTENER_OIDC_ALLOWED_DOMAINS: 'example.com' });
  });
  after(async () => {
    await server?.stop();
    await idp?.stop();
  });

  test('the session endpoint offers the provider', async () => {
    const s = await (await fetch(`${server.base}/api/v1/auth/session`)).json();
    assert.deepEqual(s.sso, { name: 'Example ID', login_url: '/api/v1/auth/oidc/login' });
    assert.equal(s.password_login, true);
  });

  test('login redirects to the provider with PKCE S256, state and nonce', async () => {
    const res = await new Browser().get(`${server.base}/api/v1/auth/oidc/login`);
    assert.equal(res.status, 303);
    const to = new URL(res.headers.get('location'));
    assert.equal(to.origin, idp.issuer);
    assert.equal(to.searchParams.get('response_type'), 'code');
    assert.equal(to.searchParams.get('client_id'), 'shortener');
    assert.equal(to.searchParams.get('redirect_uri'), `${server.base}/api/v1/auth/oidc/callback`);
    assert.equal(to.searchParams.get('code_challenge_method'), 'S256');
    assert.match(to.searchParams.get('code_challenge'), /^[A-Za-z0-9_-]{43}$/);
    assert.match(to.searchParams.get('state'), /^[A-Za-z0-9_-]{43}$/);
    assert.match(to.searchParams.get('nonce'), /^[A-Za-z0-9_-]{43}$/);
    assert.equal(to.searchParams.get('scope'), 'openid email profile');
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('shortener_oidc='));
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    assert.match(cookie, /Path=\/api\/v1\/auth\/oidc/);
  });

  test('a first sign-in creates the account (allowed domain) and opens a session like a password login', async () => {
    idp.account = 'alice-sub';
    const browser = new Browser();
    const res = await signIn(browser, server.base);
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/app/links/');
    const cookies = res.headers.getSetCookie();
    assert.ok(cookies.some((c) => /^shortener_session=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=2592000/.test(c)));
    assert.ok(cookies.some((c) => /^shortener_csrf=[^;]+;/.test(c)));
    assert.ok(cookies.some((c) => /^shortener_oidc=; .*Max-Age=0/.test(c)));
    const s = await session(browser, server.base);
    assert.equal(s.user.email, 'alice@example.com');
    assert.equal(s.user.is_admin, false);
    // The session works for the API (CSRF as for a password login).
    const created = await fetch(`${server.base}/api/v1/links`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `shortener_session=${browser.cookie(server.base, 'shortener_session')}`,
        'x-csrf-token': s.csrf_token },
      body: JSON.stringify({ url: 'https://example.org/sso' }),
    });
    assert.equal(created.status, 201);
    // The second sign-in finds the same account by (issuer, sub).
    const again = new Browser();
    assert.equal((await signIn(again, server.base)).status, 303);
    assert.equal((await session(again, server.base)).user.id, s.user.id);
  });

  test('an existing account is linked by verified email, once', async () => {
    const env = dbEnv(server.dataDir);
    const made = runCli(['users', 'create', '--email', 'bob@corp.test'], { env, input: 'a long enough password\n' });
    assert.equal(made.status, 0, made.stderr);
    idp.accounts.set('bob-sub', { email: 'bob@corp.test', email_verified: true });
    idp.account = 'bob-sub';
    const browser = new Browser();
    assert.equal((await signIn(browser, server.base)).status, 303);
    const bob = (await session(browser, server.base)).user;
    assert.equal(bob.email, 'bob@corp.test');
    // Another subject with the same email is not linked again (the account has its identity at this issuer).
    idp.accounts.set('bob-other-sub', { email: 'bob@corp.test', email_verified: true });
    idp.account = 'bob-other-sub';
    const res = await signIn(new Browser(), server.base);
    assert.equal(res.status, 403);
    assert.equal(await errorCode(res), 'sso_not_allowed');
  });

  test('an unverified email neither links nor creates; a domain not allowed creates nothing', async () => {
    idp.accounts.set('mallory-sub', { email: 'bob@corp.test', email_verified: false });
    idp.account = 'mallory-sub';
    let res = await signIn(new Browser(), server.base);
    assert.equal(res.status, 403);
    assert.equal(await errorCode(res), 'sso_not_allowed');
    idp.accounts.set('carol-sub', { email: 'carol@elsewhere.test', email_verified: true });
    idp.account = 'carol-sub';
    res = await signIn(new Browser(), server.base);
    assert.equal(res.status, 403);
    assert.equal(await errorCode(res), 'sso_not_allowed');
  });

  test('a browser (Accept: text/html) is sent back to the login page with the error code', async () => {
    idp.account = 'carol-sub';
    const browser = new Browser();
    const callback = await toCallback(browser, server.base);
    const jar = browser.jar(callback);
    const res = await fetch(callback, { redirect: 'manual', headers: { accept: 'text/html',
      cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/app/login/?sso_error=sso_not_allowed');
  });

  test('wrong state, no state cookie and a cookie of another sign-in are refused', async () => {
    idp.account = 'alice-sub';
    const browser = new Browser();
    const callback = new URL(await toCallback(browser, server.base));
    const good = callback.searchParams.get('state');
    callback.searchParams.set('state', good.slice(0, -1) + (good.endsWith('A') ? 'B' : 'A'));
    let res = await browser.get(callback.toString());
    assert.equal(res.status, 400);
    assert.equal(await errorCode(res), 'sso_state_invalid');
    // Without the browser's cookie (another browser, or the cookie expired).
    const other = new Browser();
    callback.searchParams.set('state', good);
    res = await other.get(callback.toString());
    assert.equal(res.status, 400);
    assert.equal(await errorCode(res), 'sso_state_invalid');
    // A tampered cookie.
    const tampered = new Browser();
    tampered.jar(server.base).set('shortener_oidc', 'A'.repeat(120));
    res = await tampered.get(callback.toString());
    assert.equal(res.status, 400);
    assert.equal(await errorCode(res), 'sso_state_invalid');
  });

  test('a replayed authorization code is refused', async () => {
    idp.account = 'alice-sub';
    const browser = new Browser();
    const callback = await toCallback(browser, server.base);
    const stateCookie = browser.cookie(server.base, 'shortener_oidc');
    assert.equal((await browser.get(callback)).status, 303);
    // The same callback again, even with the state cookie put back: the provider has used the code up.
    const replay = new Browser();
    replay.jar(server.base).set('shortener_oidc', stateCookie);
    const res = await replay.get(callback);
    assert.equal(res.status, 401);
    assert.equal(await errorCode(res), 'sso_failed');
    assert.equal((await session(replay, server.base)).user, null);
  });

  test('hostile callback input is refused without echo', async () => {
    const res = await new Browser().get(`${server.base}/api/v1/auth/oidc/callback?code=%3Cscript%3E&state=${'x'.repeat(5000)}`);
    assert.equal(res.status, 400);
    const text = await res.text();
    assert.ok(!text.includes('<script>') && !text.includes('xxxxxxxx'));
    const next = await new Browser().get(`${server.base}/api/v1/auth/oidc/login?next=${encodeURIComponent('//evil.example/')}`);
    assert.equal(next.status, 303);  // the next is replaced by the default (checked after the flow below)
  });
});

describe(`ID-token refusals (${DISTRIBUTED ? 'distributed' : 'embedded'})`, () => {
  let idp;
  let server;

  before(async () => {
    idp = await startProvider();
    server = await shortenerFor(idp, { SHORTENER_OIDC_ALLOWED_DOMAINS: 'example.com' });
  });
  after(async () => {
    idp.forge = null;
    await server?.stop();
    await idp?.stop();
  });

  async function refused(forge, message) {
    idp.forge = forge;
    try {
      const res = await signIn(new Browser(), server.base);
      assert.equal(res.status, 401);
      const body = await res.json();
      assert.equal(body.error.code, 'sso_failed');
      assert.match(body.error.message, message);
    } finally {
      idp.forge = null;
    }
  }

  test('a correct forged token passes (the forging itself is sound)', async () => {
    idp.forge = (claims) => ({ claims });
    try {
      assert.equal((await signIn(new Browser(), server.base)).status, 303);
    } finally {
      idp.forge = null;
    }
  });

  test('an expired ID token', async () => {
    const now = Math.floor(Date.now() / 1000);
    await refused((c) => ({ claims: { ...c, iat: now - 3600, exp: now - 600 } }), /expired/);
  });

  test('a wrong audience, and several audiences with azp another client', async () => {
    await refused((c) => ({ claims: { ...c, aud: 'another-client' } }), /another client/);
    await refused((c) => ({ claims: { ...c, aud: ['shortener', 'another-client'], azp: 'another-client' } }),
      /another client/);
  });

  test('a wrong issuer, a wrong nonce, a bad signature', async () => {
    await refused((c) => ({ claims: { ...c, iss: 'https://evil.example' } }), /another issuer/);
    await refused((c) => ({ claims: { ...c, nonce: 'not-this-sign-in' } }), /nonce/);
    const stranger = await idp.newKey(idp.keys[0].kid);  // the provider's kid, another key
    await refused((c) => ({ claims: c, key: stranger }), /bad signature/);
  });

  test('a key rotated at the provider is accepted after one JWKS refetch', async () => {
    assert.equal((await signIn(new Browser(), server.base)).status, 303);  // keys fetched, key-1 known
    await idp.rotateKeys();  // key-2 signs from now on; the JWKS has both
    await idp.register(idp.client);
    assert.equal(idp.keys[0].kid, 'key-2');
    const browser = new Browser();
    assert.equal((await signIn(browser, server.base)).status, 303);
    assert.equal((await session(browser, server.base)).user.email, 'alice@example.com');
  });

  test('a key the provider does not publish is refused (and refetches are rate-limited)', async () => {
    const unknown = await idp.newKey('key-unknown');
    await refused((c) => ({ claims: c, key: unknown }), /key the provider does not publish/);
  });
});

describe(`password login off (${DISTRIBUTED ? 'distributed' : 'embedded'})`, () => {
  let idp;
  let server;

  before(async () => {
    idp = await startProvider();
    server = await shortenerFor(idp, { SHORTENER_PASSWORD_LOGIN: 'off', SHORTENER_SIGNUP: 'open' });
  });
  after(async () => {
    await server?.stop();
    await idp?.stop();
  });

  test('login and sign-up with a password are refused; the session endpoint says so', async () => {
    const s = await (await fetch(`${server.base}/api/v1/auth/session`)).json();
    assert.equal(s.password_login, false);
    for (const path of ['/api/v1/auth/login', '/api/v1/auth/signup']) {
      const res = await fetch(server.base + path, { method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'x@example.com', password: 'a long enough password' }) });
      assert.equal(res.status, 403);
      assert.equal(await errorCode(res), 'password_login_off');
    }
  });

  test('without allowed domains nobody new gets an account', async () => {
    const res = await signIn(new Browser(), server.base);
    assert.equal(res.status, 403);
    assert.equal(await errorCode(res), 'sso_not_allowed');
  });
});

describe(`admin group (${DISTRIBUTED ? 'distributed' : 'embedded'})`, () => {
  let idp;
  let server;

  before(async () => {
    idp = await startProvider();
    server = await shortenerFor(idp, { SHORTENER_OIDC_ALLOWED_DOMAINS: 'example.com',
      SHORTENER_OIDC_ADMIN_GROUP: 'shortener-admins' });
  });
  after(async () => {
    await server?.stop();
    await idp?.stop();
  });

  test('the groups claim grants and takes back the instance admin flag at each sign-in', async () => {
    idp.accounts.set('alice-sub', { email: 'alice@example.com', email_verified: true, groups: ['staff', 'shortener-admins'] });
    let browser = new Browser();
    assert.equal((await signIn(browser, server.base)).status, 303);
    assert.equal((await session(browser, server.base)).user.is_admin, true);
    idp.accounts.set('alice-sub', { email: 'alice@example.com', email_verified: true, groups: ['staff'] });
    browser = new Browser();
    assert.equal((await signIn(browser, server.base)).status, 303);
    assert.equal((await session(browser, server.base)).user.is_admin, false);
  });
});

describe(`provider trouble (${DISTRIBUTED ? 'distributed' : 'embedded'})`, () => {
  test('a provider that cannot be reached, or whose discovery names another issuer, is 502 sso_unavailable', async () => {
    const idp = await startProvider();
    const closed = await startProvider();
    const closedIssuer = closed.issuer;
    await closed.stop();
    try {
      // The provider's discovery document says http://127.0.0.1:<port>, the setting has a trailing slash.
      for (const issuer of [closedIssuer, `${idp.issuer}/`]) {
        const server = await startServer({ env: { SHORTENER_AUTH: 'required', SHORTENER_OIDC_ISSUER: issuer,
          SHORTENER_OIDC_CLIENT_ID: 'shortener', SHORTENER_OIDC_CLIENT_SECRET: SECRET } });
        try {
          const res = await fetch(`${server.base}/api/v1/auth/oidc/login`, { redirect: 'manual' });
          assert.equal(res.status, 502, issuer);
          assert.equal(await errorCode(res), 'sso_unavailable');
        } finally {
          await server.stop();
        }
      }
    } finally {
      await idp.stop();
    }
  });

  test('without single sign-on the routes do not exist and the session says sso null', async () => {
    const server = await startServer({ env: { SHORTENER_AUTH: 'required' } });
    try {
      assert.equal((await fetch(`${server.base}/api/v1/auth/oidc/login`, { redirect: 'manual' })).status, 404);
      assert.equal((await fetch(`${server.base}/api/v1/auth/oidc/callback?state=x&code=y`)).status, 404);
      assert.equal((await (await fetch(`${server.base}/api/v1/auth/session`)).json()).sso, null);
    } finally {
      await server.stop();
    }
  });
});

describe('settings', () => {
  test('single sign-on settings are checked at startup', async () => {
    const cases = [
      [{ SHORTENER_AUTH: 'required', SHORTENER_OIDC_ISSUER: 'http://idp.example.com' }, /SHORTENER_OIDC_ISSUER/],
      [{ SHORTENER_AUTH: 'required', SHORTENER_OIDC_ISSUER: 'https://idp.example.com' }, /CLIENT_ID/],
      [{ SHORTENER_AUTH: 'none', SHORTENER_OIDC_ISSUER: 'https://idp.example.com', SHORTENER_OIDC_CLIENT_ID: 'a',
        SHORTENER_OIDC_CLIENT_SECRET: 'b' }, /SHORTENER_AUTH=required/],
      [{ SHORTENER_AUTH: 'required', SHORTENER_PASSWORD_LOGIN: 'off' }, /SHORTENER_PASSWORD_LOGIN=off needs/],
      [{ SHORTENER_AUTH: 'required', SHORTENER_OIDC_SCOPES: 'email profile' }, /openid/],
    ];
    for (const [env, message] of cases) {
      const r = runCli(['serve'], { env: { SHORTENER_DATA_DIR: makeDataDir(), ...env } });
      assert.equal(r.status, 2, JSON.stringify(env));
      assert.match(r.stderr, message);
    }
  });
});
