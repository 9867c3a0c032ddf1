// Branded short domains (issue #14, docs/domains.md) through the real binary, in both modes (SQLite embedded;
// PostgreSQL distributed): CRUD over the API, IDN hosts stored as punycode, the errors, the ownership matrix, root and
// not-found answers chosen by the Host header, the CLI, and a change made by another process picked up within
// SHORTENER_DOMAINS_REFRESH_MS.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';

import { DISTRIBUTED, api, createLink, distributedEnv, errorOf, makeDataDir, runCli, startServer, waitFor } from './support.mjs';

/** GET `path` on the server with this Host header (fetch cannot set Host): {status, location, text}. */
function getWithHost(port, path, host, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'GET', headers: { host, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, location: res.headers.location, text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

const post = (base, json, headers = {}) => api(base, '/api/v1/domains', { method: 'POST', json, headers });

describe('domains: API, IDN, errors, root and not-found by Host', () => {
  let server;
  before(async () => {
    server = await startServer({ env: { SHORTENER_DOMAINS_REFRESH_MS: '200', SHORTENER_TRUSTED_PROXIES: '127.0.0.1/32' } });
  });
  after(() => server?.stop());

  test('create, read, list (default first), patch and delete', async () => {
    const made = await post(server.base, {
      host: 'Go.Acme.Test.', https: true, root_redirect: 'https://acme.example/', not_found_redirect: 'https://acme.example/404',
    });
    assert.equal(made.status, 201, made.text);
    assert.equal(made.headers.get('location'), '/api/v1/domains/go.acme.test');
    assert.deepEqual(
      { host: made.body.host, default: made.body.default, https: made.body.https, root: made.body.root_redirect, nf: made.body.not_found_redirect },
      { host: 'go.acme.test', default: false, https: true, root: 'https://acme.example/', nf: 'https://acme.example/404' });
    const list = await api(server.base, '/api/v1/domains');
    assert.equal(list.status, 200);
    assert.equal(list.body.items[0].default, true);
    assert.equal(list.body.items[0].host, new URL(server.publicUrl).hostname);
    assert.ok(list.body.items.some((d) => d.host === 'go.acme.test'));
    const got = await api(server.base, '/api/v1/domains/GO.acme.test');
    assert.equal(got.status, 200);
    assert.equal(got.body.root_redirect, 'https://acme.example/');
    const patched = await api(server.base, '/api/v1/domains/go.acme.test', { method: 'PATCH', json: { root_redirect: null, https: false } });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.root_redirect, null);
    assert.equal(patched.body.https, false);
    assert.equal(patched.body.not_found_redirect, 'https://acme.example/404');
    assert.equal((await api(server.base, '/api/v1/domains/go.acme.test', { method: 'DELETE' })).status, 204);
    assert.equal((await api(server.base, '/api/v1/domains/go.acme.test')).status, 404);
  });

  test('IDN hosts are stored as punycode and found by either form', async () => {
    const made = await post(server.base, { host: 'Bücher.Example' });
    assert.equal(made.status, 201, made.text);
    assert.equal(made.body.host, 'xn--bcher-kva.example');
    assert.equal((await api(server.base, `/api/v1/domains/${encodeURIComponent('bücher.example')}`)).body.host, 'xn--bcher-kva.example');
    assert.deepEqual(errorOf(await post(server.base, { host: 'xn--bcher-kva.example' })), { status: 409, code: 'domain_exists', hasMessage: true });
  });

  test('errors: invalid hosts, bad redirects, the default domain, unknown fields', async () => {
    for (const host of ['', 'localhost', 'a.test:8080', 'https://a.test', 'a.test/x', '127.0.0.1', '[::1]', 'a..test', '-a.test', 42]) {
      assert.deepEqual(errorOf(await post(server.base, { host })), { status: 400, code: 'invalid_domain', hasMessage: true }, String(host));
    }
    assert.equal(errorOf(await post(server.base, { host: 'r.test', root_redirect: 'javascript:alert(1)' })).code, 'unsupported_scheme');
    assert.equal(errorOf(await post(server.base, { host: 'r.test', not_found_redirect: 'https://r.test/x' })).code, 'redirect_loop');
    assert.equal(errorOf(await post(server.base, { host: 'r.test', nope: 1 })).status, 400);
    const defaultHost = new URL(server.publicUrl).hostname;
    if (defaultHost.includes('.') && !/^[0-9.]+$/.test(defaultHost)) {
      assert.deepEqual(errorOf(await post(server.base, { host: defaultHost })), { status: 409, code: 'default_domain', hasMessage: true });
    }
    const def = encodeURIComponent(defaultHost);
    assert.equal((await api(server.base, `/api/v1/domains/${def}`)).body.default, true);
    assert.deepEqual(errorOf(await api(server.base, `/api/v1/domains/${def}`, { method: 'DELETE' })), { status: 409, code: 'default_domain', hasMessage: true });
    assert.deepEqual(errorOf(await api(server.base, `/api/v1/domains/${def}`, { method: 'PATCH', json: { https: true } })), { status: 409, code: 'default_domain', hasMessage: true });
    assert.equal((await api(server.base, '/api/v1/domains/nowhere.test')).status, 404);
    assert.equal((await api(server.base, '/api/v1/domains/nowhere.test', { method: 'DELETE' })).status, 404);
  });

  test('GET / and unknown slugs answer per Host (case, port and trailing dot ignored)', async () => {
    assert.equal((await post(server.base, { host: 'r1.acme.test', root_redirect: 'https://acme.example/home', not_found_redirect: 'https://acme.example/missing' })).status, 201);
    assert.equal((await post(server.base, { host: 'bare.acme.test' })).status, 201);
    const link = await createLink(server.base, { url: 'https://example.com/x', slug: 'dom-e2e' });
    assert.equal(link.status, 201, link.text);
    for (const host of ['r1.acme.test', 'R1.ACME.TEST:8443', 'r1.acme.test.']) {
      const root = await getWithHost(server.port, '/', host);
      assert.equal(root.status, 302, host);
      assert.equal(root.location, 'https://acme.example/home');
      const missing = await getWithHost(server.port, '/no-such-slug', host);
      assert.equal(missing.status, 302);
      assert.equal(missing.location, 'https://acme.example/missing');
    }
    // A domain without settings: a plain 404 page at its root and for unknown slugs (no web UI there).
    const bareRoot = await getWithHost(server.port, '/', 'bare.acme.test', { accept: 'text/html' });
    assert.equal(bareRoot.status, 404);
    assert.match(bareRoot.text, /<title>Link not found/);
    assert.equal((await getWithHost(server.port, '/no-such-slug', 'bare.acme.test')).status, 404);
    // Links live on the default domain: a branded domain does not serve them.
    assert.equal((await getWithHost(server.port, '/dom-e2e', 'bare.acme.test')).status, 404);
    // An unknown Host is the default domain: the web UI and the link.
    const ui = await getWithHost(server.port, '/', 'unknown.example', { accept: 'text/html' });
    assert.equal(ui.status, 200);
    const followed = await getWithHost(server.port, '/dom-e2e', 'unknown.example');
    assert.equal(followed.status, 302);
    assert.equal(followed.location, 'https://example.com/x');
    assert.equal((await getWithHost(server.port, '/no-such-slug', 'unknown.example')).status, 404);
  });

  test('HTTPS per domain: 308 for a branded domain with https, HSTS on its HTTPS requests; others untouched', async () => {
    const secure = await post(server.base, { host: 'secure.acme.test', https: true, hsts_max_age: 31536000 });
    assert.equal(secure.status, 201, secure.text);
    assert.equal((await post(server.base, { host: 'plain.acme.test', https: false })).status, 201);
    const moved = await getWithHost(server.port, '/some-slug?a=1&b=2', 'Secure.Acme.Test:80');
    assert.equal(moved.status, 308);
    assert.equal(moved.location, 'https://secure.acme.test/some-slug?a=1&b=2');
    // Probes stay on plain HTTP; a domain without https and the default domain (an http public URL) are served.
    assert.equal((await getWithHost(server.port, '/healthz', 'secure.acme.test')).status, 200);
    assert.notEqual((await getWithHost(server.port, '/x', 'plain.acme.test')).status, 308);
    assert.notEqual((await getWithHost(server.port, '/x', new URL(server.publicUrl).host)).status, 308);
    // Over HTTPS (a trusted proxy's X-Forwarded-Proto): no redirect, and the domain's HSTS.
    const https = await getWithHost(server.port, '/x', 'secure.acme.test', { 'x-forwarded-proto': 'https' });
    assert.notEqual(https.status, 308);
    assert.equal(https.headers['strict-transport-security'], 'max-age=31536000');
    assert.equal((await getWithHost(server.port, '/x', 'plain.acme.test', { 'x-forwarded-proto': 'https' })).headers['strict-transport-security'], undefined);
    // Turned off with PATCH: served over plain HTTP at once (this process refreshes after its own change).
    assert.equal((await api(server.base, '/api/v1/domains/secure.acme.test', { method: 'PATCH', json: { https: false } })).status, 200);
    assert.notEqual((await getWithHost(server.port, '/x', 'secure.acme.test')).status, 308);
    for (const host of ['secure.acme.test', 'plain.acme.test']) {
      assert.equal((await api(server.base, `/api/v1/domains/${host}`, { method: 'DELETE' })).status, 204);
    }
  });

  test('the CLI adds, lists and removes; the server sees the change within the refresh interval', async () => {
    const env = { SHORTENER_DATA_DIR: server.dataDir, SHORTENER_PUBLIC_URL: server.publicUrl };
    if (server.distributed) env.DATABASE_URL = server.databaseUrl;
    const add = runCli(['domains', 'add', 'cli.acme.test', '--root-redirect', 'https://acme.example/cli'], { env });
    assert.equal(add.status, 0, add.stderr);
    assert.equal(add.stdout.trim(), 'cli.acme.test');
    assert.equal(runCli(['domains', 'add', 'cli.acme.test'], { env }).status, 1);
    assert.equal(runCli(['domains', 'add', 'not a host'], { env }).status, 2);
    const listed = runCli(['domains', 'list'], { env });
    assert.equal(listed.status, 0, listed.stderr);
    assert.match(listed.stdout.split('\n')[0], /\tdefault\t/);
    assert.match(listed.stdout, /^cli\.acme\.test\t/m);
    await waitFor(async () => (await getWithHost(server.port, '/', 'cli.acme.test')).location === 'https://acme.example/cli', 5000, 'the refresh');
    assert.equal(runCli(['domains', 'remove', 'cli.acme.test'], { env }).status, 0);
    assert.equal(runCli(['domains', 'remove', 'cli.acme.test'], { env }).status, 1);
    await waitFor(async () => (await getWithHost(server.port, '/', 'cli.acme.test')).status === 200, 5000, 'the removal');
  });
});

describe('domains: ownership', () => {
  let server;
  const keys = {};
  before(async () => {
    const dataDir = makeDataDir();
    const env = { SHORTENER_DATA_DIR: dataDir };
    if (DISTRIBUTED) env.DATABASE_URL = distributedEnv(dataDir).DATABASE_URL;
    for (const email of ['alice@example.com', 'bob@example.com']) {
      assert.equal(runCli(['users', 'create', '--email', email], { env, input: 'a long password 1\n' }).status, 0);
      const k = runCli(['keys', 'create', '--name', 'k', '--scopes', 'links:write,links:read', '--user', email], { env });
      assert.equal(k.status, 0, k.stderr);
      keys[email] = { authorization: `Bearer ${k.stdout.trim()}` };
    }
    const admin = runCli(['keys', 'create', '--name', 'root', '--scopes', 'admin'], { env });
    assert.equal(admin.status, 0, admin.stderr);
    keys.admin = { authorization: `Bearer ${admin.stdout.trim()}` };
    server = await startServer({ dataDir, env: { SHORTENER_AUTH: 'required' } });
  });
  after(() => server?.stop());

  test("another user's domain is 404; lists show one's own; admins see and manage all", async () => {
    const alice = keys['alice@example.com'];
    const bob = keys['bob@example.com'];
    assert.equal((await post(server.base, { host: 'alice.acme.test' }, alice)).status, 201);
    for (const [method, json] of [['GET'], ['PATCH', { https: true }], ['DELETE']]) {
      const r = await api(server.base, '/api/v1/domains/alice.acme.test', { method, json, headers: bob });
      assert.equal(r.status, 404, method);
    }
    assert.deepEqual(errorOf(await post(server.base, { host: 'alice.acme.test' }, bob)), { status: 409, code: 'domain_exists', hasMessage: true });
    const hosts = async (who) => (await api(server.base, '/api/v1/domains', { headers: who })).body.items.map((d) => d.host);
    assert.ok((await hosts(alice)).includes('alice.acme.test'));
    assert.ok(!(await hosts(bob)).includes('alice.acme.test'));
    assert.equal((await hosts(bob)).length, 1, 'the default domain only');
    assert.ok((await hosts(keys.admin)).includes('alice.acme.test'));
    assert.equal((await api(server.base, '/api/v1/domains')).status, 401);
    assert.equal((await post(server.base, { host: 'anon.acme.test' })).status, 401);
    const patched = await api(server.base, '/api/v1/domains/alice.acme.test', { method: 'PATCH', json: { hsts_max_age: 600 }, headers: keys.admin });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.hsts_max_age, 600);
    assert.equal((await api(server.base, '/api/v1/domains/alice.acme.test', { method: 'DELETE', headers: alice })).status, 204);
  });
});
