// Webhooks (issue #15, docs/webhooks.md): every delivery verified by the npm `standardwebhooks` library (the
// Standard Webhooks reference verifier, not our code); link.created/updated/deleted/clicked; retries after a 500 and
// a dropped connection with the same webhook-id; SSRF refusals at creation; `kill -9` of the process (embedded) or
// the worker (distributed) while a delivery is held open, then the delivery still arrives. Both modes: SQLite
// embedded, PostgreSQL distributed (the worker delivers). The receiver is a Node HTTP server on loopback, so the
// servers run with SHORTENER_WEBHOOK_ALLOW_HTTP=on and SHORTENER_WEBHOOK_ALLOW_PRIVATE=on, and fast retries
// (SHORTENER_WEBHOOK_RETRY_BASE_MS=200).

import assert from 'node:assert/strict';
import http from 'node:http';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';

import {
  AS_BROWSER,
  DISTRIBUTED,
  api,
  createLink,
  distributedEnv,
  errorOf,
  follow,
  makeDataDir,
  runCli,
  startServer,
  startWorker,
  waitFor,
} from './support.mjs';

const require = createRequire(new URL('../npm/package.json', import.meta.url));
const { Webhook } = require('standardwebhooks');

const FAST = {
  SHORTENER_WEBHOOK_ALLOW_HTTP: 'on',
  SHORTENER_WEBHOOK_ALLOW_PRIVATE: 'on',
  SHORTENER_WEBHOOK_RETRY_BASE_MS: '200',
  SHORTENER_WEBHOOK_POLL_MS: '100',
  SHORTENER_WEBHOOK_LEASE_S: '11',
};

/** A receiver on loopback. `answer(req, res, body)` decides each answer (default 200); `got` lists every request. */
async function startReceiver() {
  const got = [];
  const receiver = { got, answer: (req, res) => res.end('ok') };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      got.push({ path: req.url, headers: req.headers, body });
      receiver.answer(req, res, body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = (path = '/hook') => `http://127.0.0.1:${server.address().port}${path}`;
  receiver.close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  };
  return receiver;
}

/** Verifies a received request with the reference library; returns the parsed payload. */
function verified(secret, request) {
  return new Webhook(secret).verify(request.body, request.headers);
}

async function createWebhook(base, body, headers = {}) {
  return api(base, '/api/v1/webhooks', { method: 'POST', json: body, headers });
}

describe('webhooks', () => {
  let server;
  let receiver;
  before(async () => {
    receiver = await startReceiver();
    server = await startServer({ env: FAST });
  });
  after(async () => {
    await server?.stop();
    await receiver?.close();
  });

  test('link events and clicks arrive, each verified by the standardwebhooks library', async () => {
    const path = '/events';
    const created = await createWebhook(server.base, {
      url: receiver.url(path),
      events: ['link.created', 'link.updated', 'link.deleted', 'link.clicked'],
    });
    assert.equal(created.status, 201, created.text);
    assert.match(created.body.secret, /^whsec_[A-Za-z0-9+/]+=*$/);
    assert.equal(Buffer.from(created.body.secret.slice(6), 'base64').length, 32);
    assert.deepEqual(created.body.events, ['link.created', 'link.updated', 'link.deleted', 'link.clicked']);
    assert.equal(created.body.enabled, true);
    const got = await api(server.base, `/api/v1/webhooks/${created.body.id}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.secret, undefined, 'the secret is shown once');
    const list = await api(server.base, '/api/v1/webhooks');
    assert.ok(list.body.items.some((w) => w.id === created.body.id));

    const link = await createLink(server.base, { url: 'https://example.com/hooked', slug: 'hooked' });
    assert.equal(link.status, 201);
    assert.equal((await api(server.base, '/api/v1/links/hooked', { method: 'PATCH', json: { tags: ['x'] } })).status, 200);
    assert.equal((await follow(server.base, 'hooked', AS_BROWSER)).status, 302);
    const ofThis = () => receiver.got.filter((r) => r.path === path);
    await waitFor(() => ofThis().some((r) => JSON.parse(r.body).type === 'link.clicked'), 10_000, 'link.clicked');
    assert.equal((await api(server.base, '/api/v1/links/hooked', { method: 'DELETE' })).status, 204);
    await waitFor(() => ofThis().some((r) => JSON.parse(r.body).type === 'link.deleted'), 10_000, 'link.deleted');

    const events = ofThis().map((r) => verified(created.body.secret, r));
    const types = events.map((e) => e.type);
    for (const type of ['link.created', 'link.updated', 'link.clicked', 'link.deleted']) assert.ok(types.includes(type), type);
    for (const e of events) {
      assert.match(e.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      assert.equal(e.data.slug, 'hooked');
      assert.equal(e.data.url, 'https://example.com/hooked');
    }
    assert.deepEqual(events.find((e) => e.type === 'link.updated').data.tags, ['x']);
    const click = events.find((e) => e.type === 'link.clicked').data.click;
    assert.match(click.id, /^[0-9a-f-]{36}$/);
    assert.equal(click.is_bot, false);
    assert.ok(events.find((e) => e.type === 'link.deleted').data.deleted_at);
    for (const r of ofThis()) {
      assert.match(r.headers['webhook-id'], /^msg_[0-9a-f]{32}$/);
      assert.match(r.headers['webhook-timestamp'], /^\d{10}$/);
      assert.match(r.headers['webhook-signature'], /^v1,[A-Za-z0-9+/]+=*$/);
      assert.equal(r.headers['content-type'], 'application/json');
    }
    // A tampered body does not verify: the library really checks the signature.
    const first = ofThis()[0];
    assert.throws(() => new Webhook(created.body.secret).verify(first.body + ' ', first.headers));

    const deliveries = await api(server.base, `/api/v1/webhooks/${created.body.id}/deliveries`);
    assert.equal(deliveries.status, 200);
    await waitFor(async () => {
      const d = await api(server.base, `/api/v1/webhooks/${created.body.id}/deliveries`);
      return d.body.items.length >= 4 && d.body.items.every((i) => i.status === 'delivered');
    }, 5000, 'every delivery settled');
    const item = (await api(server.base, `/api/v1/webhooks/${created.body.id}/deliveries`)).body.items[0];
    assert.equal(item.status, 'delivered');
    assert.equal(item.attempts, 1);
    assert.equal(item.last_response_code, 200);
    assert.equal(item.next_retry_at, null);
    assert.equal((await api(server.base, `/api/v1/webhooks/${created.body.id}`, { method: 'DELETE' })).status, 204);
    assert.equal((await api(server.base, `/api/v1/webhooks/${created.body.id}`)).status, 404);
  });

  test('a 500 then a 200: retried with the same webhook-id; a dropped connection too', async () => {
    for (const failure of ['500', 'drop']) {
      const path = `/flaky-${failure}`;
      const hook = await createWebhook(server.base, { url: receiver.url(path), events: ['link.created'] });
      assert.equal(hook.status, 201);
      let calls = 0;
      const previous = receiver.answer;
      receiver.answer = (req, res) => {
        if (req.url !== path) return previous(req, res);
        calls += 1;
        if (calls > 1) return res.end('ok');
        if (failure === 'drop') return req.socket.destroy();
        res.statusCode = 500;
        res.end('boom');
      };
      const slug = `flaky-${failure}`;
      assert.equal((await createLink(server.base, { url: 'https://example.com/f', slug })).status, 201);
      const ofThis = () => receiver.got.filter((r) => r.path === path);
      await waitFor(() => ofThis().length >= 2, 10_000, `retry after ${failure}`);
      receiver.answer = previous;
      const [a, b] = ofThis();
      assert.equal(a.headers['webhook-id'], b.headers['webhook-id'], 'the same webhook-id on every attempt');
      assert.equal(a.body, b.body, 'the same body on every attempt');
      assert.equal(verified(hook.body.secret, b).data.slug, slug);
      await waitFor(async () => {
        const d = await api(server.base, `/api/v1/webhooks/${hook.body.id}/deliveries`);
        return d.body.items[0]?.status === 'delivered';
      }, 5000, 'delivered');
      const d = (await api(server.base, `/api/v1/webhooks/${hook.body.id}/deliveries`)).body.items[0];
      assert.equal(d.attempts, 2);
      assert.equal(d.last_response_code, 200);
      await api(server.base, `/api/v1/webhooks/${hook.body.id}`, { method: 'DELETE' });
    }
  });

  test('POST /test sends a webhook.test event; PATCH changes events and disables', async () => {
    const path = '/test-event';
    const hook = await createWebhook(server.base, { url: receiver.url(path), events: ['link.deleted'] });
    const sent = await api(server.base, `/api/v1/webhooks/${hook.body.id}/test`, { method: 'POST' });
    assert.equal(sent.status, 202);
    await waitFor(() => receiver.got.some((r) => r.path === path), 10_000, 'test event');
    const r = receiver.got.find((x) => x.path === path);
    assert.equal(r.headers['webhook-id'], sent.body.event_id);
    assert.equal(verified(hook.body.secret, r).type, 'webhook.test');
    const patched = await api(server.base, `/api/v1/webhooks/${hook.body.id}`, {
      method: 'PATCH',
      json: { events: ['link.created'], enabled: false },
    });
    assert.equal(patched.status, 200, patched.text);
    assert.deepEqual(patched.body.events, ['link.created']);
    assert.equal(patched.body.enabled, false);
    assert.equal(patched.body.disabled_reason, 'disabled by its owner');
    const again = await api(server.base, `/api/v1/webhooks/${hook.body.id}`, { method: 'PATCH', json: { enabled: true } });
    assert.equal(again.body.enabled, true);
    assert.equal(again.body.disabled_reason, null);
    await api(server.base, `/api/v1/webhooks/${hook.body.id}`, { method: 'DELETE' });
  });

  test('hostile input: unknown fields, bad events, bad ids, wrong types', async () => {
    const url = receiver.url('/x');
    const cases = [
      [{ url, events: ['link.created'], extra: 1 }, 'invalid_request'],
      [{ url, events: [] }, 'invalid_webhook_events'],
      [{ url, events: ['link.exploded'] }, 'invalid_webhook_events'],
      [{ url, events: 'link.created' }, 'invalid_webhook_events'],
      [{ url, events: [1] }, 'invalid_webhook_events'],
      [{ url }, 'invalid_webhook_events'],
      [{ events: ['link.created'] }, 'url_required'],
      [{ url: 42, events: ['link.created'] }, 'url_required'],
      [{ url: 'ftp://example.com/', events: ['link.created'] }, 'invalid_url'],
      [{ url: 'http://user:pw@127.0.0.1/', events: ['link.created'] }, 'invalid_url'],
      [{ url: `https://example.com/${'a'.repeat(2100)}`, events: ['link.created'] }, 'url_too_long'],
    ];
    for (const [body, code] of cases) {
      const r = await createWebhook(server.base, body);
      assert.equal(r.status, 400, JSON.stringify(body).slice(0, 80));
      assert.equal(errorOf(r).code, code, JSON.stringify(body).slice(0, 80));
    }
    assert.equal((await api(server.base, '/api/v1/webhooks', { method: 'POST', body: '[1', headers: { 'content-type': 'application/json' } })).status, 400);
    assert.equal((await api(server.base, '/api/v1/webhooks', { method: 'POST', body: '{}', headers: { 'content-type': 'text/plain' } })).status, 415);
    for (const id of ['abc', '0', '-1', '99999999999999999999', '1.5', '999999']) {
      assert.equal((await api(server.base, `/api/v1/webhooks/${id}`)).status, 404, id);
      assert.equal((await api(server.base, `/api/v1/webhooks/${id}/deliveries`)).status, 404, id);
    }
    const hook = await createWebhook(server.base, { url, events: ['link.created'] });
    for (const patch of [{ enabled: 'yes' }, { events: ['nope'] }, { secret: 'whsec_x' }]) {
      const r = await api(server.base, `/api/v1/webhooks/${hook.body.id}`, { method: 'PATCH', json: patch });
      assert.equal(r.status, 400, JSON.stringify(patch));
    }
    assert.equal((await api(server.base, `/api/v1/webhooks/${hook.body.id}/deliveries?limit=0`)).status, 400);
    assert.equal((await api(server.base, `/api/v1/webhooks/${hook.body.id}/deliveries?limit=101`)).status, 400);
    await api(server.base, `/api/v1/webhooks/${hook.body.id}`, { method: 'DELETE' });
  });

  test('SSRF: metadata addresses refused even with ALLOW_PRIVATE', async () => {
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://[fd00:ec2::254]/', 'http://[::ffff:169.254.169.254]/']) {
      const r = await createWebhook(server.base, { url, events: ['link.created'] });
      assert.equal(r.status, 400, url);
      assert.equal(errorOf(r).code, 'webhook_target_forbidden', url);
    }
  });
});

describe('webhooks: SSRF rules without ALLOW_PRIVATE / ALLOW_HTTP', () => {
  let server;
  before(async () => {
    server = await startServer({ env: { SHORTENER_WEBHOOK_ALLOW_HTTP: 'on' } });
  });
  after(() => server?.stop());

  test('loopback, private, link-local and names resolving to them are refused at creation', async () => {
    for (const url of [
      'http://127.0.0.1:9/hook',
      'http://localhost:9/hook',
      'http://10.1.2.3/',
      'http://192.168.0.1/',
      'http://172.16.0.1/',
      'http://169.254.1.1/',
      'http://100.64.0.1/',
      'http://[::1]/',
      'http://[fc00::1]/',
      'http://[fe80::1]/',
      'http://0.0.0.0/',
      'http://169.254.169.254/',
    ]) {
      const r = await createWebhook(server.base, { url, events: ['link.created'] });
      assert.equal(r.status, 400, url);
      assert.equal(errorOf(r).code, 'webhook_target_forbidden', url);
    }
  });
});

describe('webhooks: https only by default', () => {
  let server;
  before(async () => {
    server = await startServer({ env: { SHORTENER_WEBHOOK_ALLOW_PRIVATE: 'on' } });
  });
  after(() => server?.stop());

  test('http targets are refused without SHORTENER_WEBHOOK_ALLOW_HTTP', async () => {
    const r = await createWebhook(server.base, { url: 'http://127.0.0.1:9/hook', events: ['link.created'] });
    assert.equal(r.status, 400);
    assert.equal(errorOf(r).code, 'webhook_url_insecure');
  });
});

describe('webhooks: ownership', () => {
  let server;
  const ALICE = { email: 'alice@example.com', password: 'alice password 1' };
  const BOB = { email: 'bob@example.com', password: 'bob password 12' };
  const keys = {};
  before(async () => {
    const dataDir = makeDataDir();
    const env = { SHORTENER_DATA_DIR: dataDir };
    if (DISTRIBUTED) env.DATABASE_URL = distributedEnv(dataDir).DATABASE_URL;
    for (const u of [ALICE, BOB]) {
      assert.equal(runCli(['users', 'create', '--email', u.email], { env, input: `${u.password}\n` }).status, 0);
      const k = runCli(['keys', 'create', '--name', 'k', '--scopes', 'links:write,links:read', '--user', u.email], { env });
      assert.equal(k.status, 0, k.stderr);
      keys[u.email] = { authorization: `Bearer ${k.stdout.trim()}` };
    }
    server = await startServer({ dataDir, env: { ...FAST, SHORTENER_AUTH: 'required' } });
  });
  after(() => server?.stop());

  test("another user's webhook is 404; lists show only one's own", async () => {
    const alice = keys[ALICE.email];
    const bob = keys[BOB.email];
    const hook = await createWebhook(server.base, { url: 'http://127.0.0.1:9/a', events: ['link.created'] }, alice);
    assert.equal(hook.status, 201, hook.text);
    assert.equal(hook.body.all_links, false);
    for (const [method, suffix] of [['GET', ''], ['PATCH', ''], ['DELETE', ''], ['POST', '/test'], ['GET', '/deliveries']]) {
      const r = await api(server.base, `/api/v1/webhooks/${hook.body.id}${suffix}`, {
        method,
        headers: bob,
        ...(method === 'PATCH' ? { json: { enabled: false } } : {}),
      });
      assert.equal(r.status, 404, `${method} ${suffix}`);
    }
    assert.equal((await api(server.base, '/api/v1/webhooks', { headers: bob })).body.items.length, 0);
    assert.equal((await api(server.base, '/api/v1/webhooks', { headers: alice })).body.items.length, 1);
    assert.equal((await api(server.base, '/api/v1/webhooks')).status, 401);
  });
});

describe('webhooks: kill -9 mid-delivery', () => {
  test(`the ${DISTRIBUTED ? 'worker' : 'process'} killed while the receiver holds a delivery: it arrives after the restart`, async (t) => {
    const receiver = await startReceiver();
    t.after(() => receiver.close());
    const held = [];
    receiver.answer = (req, res) => {
      if (held.length === 0) return held.push(res);  // the first attempt is never answered
      res.end('ok');
    };
    const dataDir = makeDataDir();
    let server = await startServer({ dataDir, env: FAST });
    t.after(() => server.stop('SIGKILL'));
    const hook = await createWebhook(server.base, { url: receiver.url('/held'), events: ['link.created'] });
    assert.equal(hook.status, 201);
    assert.equal((await createLink(server.base, { url: 'https://example.com/k', slug: 'killed' })).status, 201);
    await waitFor(() => held.length === 1, 10_000, 'the first attempt');
    const firstId = receiver.got[0].headers['webhook-id'];
    if (DISTRIBUTED) {
      await server.worker.stop('SIGKILL');
      const worker = await startWorker({ env: { ...distributedEnv(dataDir), ...FAST }, dataDir });
      t.after(() => worker.stop('SIGKILL'));  // server.stop() stops the first worker only
    } else {
      await server.stop('SIGKILL');
      server = await startServer({ dataDir, env: FAST });
    }
    // The lease (11 s) runs out, then the delivery is claimed again.
    await waitFor(() => receiver.got.length >= 2, 30_000, 'the delivery after the restart');
    assert.equal(receiver.got[1].headers['webhook-id'], firstId);
    assert.equal(verified(hook.body.secret, receiver.got[1]).data.slug, 'killed');
    await waitFor(async () => {
      const d = await api(server.base, `/api/v1/webhooks/${hook.body.id}/deliveries`);
      return d.body.items[0]?.status === 'delivered';
    }, 5000, 'delivered');
  });
});
