// Browser tests of the web UI in auth mode required (issue #7): login through the form, link editing, API keys
// shown once and revoked, sign-out, open-redirect refusal, a 401 sends the user back to the login page, and
// anonymous shortening with the stats token kept in the URL fragment. Debian's chromium + playwright-core
// against the real binary (see ui.test.mjs); the user comes from the CLI (`shortener users create`).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { BIN, makeDataDir, startServer } from '../e2e/support.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const frontend = path.join(repo, 'frontend');
const require = createRequire(path.join(frontend, 'package.json'));
const { chromium } = require('playwright-core');
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const ARTIFACTS = path.join(repo, 'test-artifacts');
const EMAIL = 'owner@example.com';
const PASSWORD = 'correct horse battery staple';

let server, browser, dataDir;
const consoleErrors = [];

/** `shortener users create` on the server's data, the password on stdin (never in argv). */
function createUser(email, password) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SHORTENER_') && k !== 'DATABASE_URL' && k !== 'REDIS_URL') env[k] = v;
  Object.assign(env, { SHORTENER_DATA_DIR: dataDir, SHORTENER_AUTH: 'required' },
    server.databaseUrl ? { DATABASE_URL: server.databaseUrl } : {});
  const r = spawnSync(BIN, ['users', 'create', '--email', email, '--password-stdin'],
    { env, input: `${password}\n`, encoding: 'utf8', timeout: 20000 });
  assert.equal(r.status, 0, `users create failed: ${r.stderr}`);
}

before(async () => {
  assert.ok(fs.existsSync(path.join(frontend, 'out/index.html')), 'frontend/out missing: run scripts/build-frontend.sh');
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  dataDir = makeDataDir();
  server = await startServer({
    dataDir,
    env: {
      SHORTENER_WEB_DIR: path.join(frontend, 'out'),
      SHORTENER_AUTH: 'required',
      SHORTENER_ANONYMOUS_SHORTENING: 'on',
    },
  });
  createUser(EMAIL, PASSWORD);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  if (consoleErrors.length) console.log('console errors:\n' + consoleErrors.join('\n'));
  await browser?.close();
  await server?.stop();
});

async function newPage(width = 1280, height = 900) {
  const context = await browser.newContext({ viewport: { width, height }, acceptDownloads: true });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.base });
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()}`); });
  page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  const goto = page.goto.bind(page);
  page.goto = async (url, opts) => {
    const r = await goto(url, opts);
    await page.waitForSelector('html[data-hydrated]', { state: 'attached', timeout: 15000 });
    return r;
  };
  return page;
}

async function axe(page, name) {
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${name}: axe serious/critical violations`);
}

async function waitForPath(page, pathname) {
  await page.waitForURL((u) => new URL(u).pathname === pathname, { timeout: 15000 });
  await page.waitForSelector('html[data-hydrated]', { state: 'attached', timeout: 15000 });
}

async function signIn(page, email, password) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('signed in: login form, edit a link, an API key shown once and revoked, a 401 returns to login, sign out', async () => {
  const page = await newPage();
  const writes = [];
  page.on('request', (r) => { if (!['GET', 'HEAD'].includes(r.method()) && r.url().includes('/api/')) writes.push(r); });

  // An app page without a session sends the user to the login page, remembering where they were going.
  await page.goto(`${server.base}/app/links/`);
  await waitForPath(page, '/app/login/');
  assert.equal(new URL(page.url()).searchParams.get('next'), '/app/links/');
  await page.getByLabel('Email').waitFor();
  assert.equal(await page.getByRole('link', { name: 'Sign up' }).count(), 0, 'sign-up is closed by default');
  await axe(page, 'login');
  await page.screenshot({ path: path.join(ARTIFACTS, 'login-1280.png'), fullPage: true });

  // Wrong password: one plain, announced message, focus on it.
  await signIn(page, EMAIL, 'not the password');
  const err = page.getByTestId('auth-error');
  await err.waitFor();
  assert.equal(await err.innerText(), 'Wrong email or password.');
  assert.equal(await err.getAttribute('role'), 'alert');
  assert.ok(await err.evaluate((el) => el === document.activeElement));
  await axe(page, 'login with an error');

  // Rate limited (the answer is faked here; the limiter has its own tests): the wait comes from Retry-After.
  await page.route('**/api/v1/auth/login', (r) => r.fulfill({ status: 429, headers: { 'Retry-After': '42', 'Content-Type': 'application/json' },
    body: JSON.stringify({ error: { code: 'rate_limited', message: 'Too many requests.' } }) }));
  await signIn(page, EMAIL, PASSWORD);
  await page.getByTestId('auth-error').filter({ hasText: 'Try again in 42 seconds.' }).waitFor();
  await page.unroute('**/api/v1/auth/login');

  await signIn(page, EMAIL, PASSWORD);
  await waitForPath(page, '/app/links/');
  await page.getByTestId('account-email').filter({ hasText: EMAIL }).waitFor();
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'shortener_session');
  assert.ok(session && session.httpOnly && session.sameSite === 'Lax', 'HttpOnly SameSite=Lax session cookie');

  // Create a link, then change its destination; the redirect follows.
  await page.getByRole('link', { name: 'Shorten', exact: true }).click();
  await page.getByLabel('Long URL').fill('https://example.com/signed-in-before');
  await page.getByRole('button', { name: 'Shorten' }).click();
  const shortUrl = await page.getByTestId('short-url').innerText();
  const slug = shortUrl.split('/').pop();
  assert.equal(await page.getByTestId('stats-token-box').count(), 0, 'no stats token for a signed-in user');
  await page.getByRole('link', { name: 'Open dashboard' }).click();
  await page.getByRole('link', { name: 'Edit link' }).click();
  await page.getByLabel('Destination URL').fill('https://example.com/signed-in-after');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByTestId('saved').waitFor();
  const res = await fetch(`${server.base}/${slug}`, { redirect: 'manual' });
  assert.equal(res.headers.get('location'), 'https://example.com/signed-in-after');

  // API keys: the new key is shown once, works, is listed by its prefix only, and stops working once revoked.
  await page.getByRole('link', { name: 'API keys' }).click();
  await waitForPath(page, '/app/keys/');
  await page.getByLabel('Name').fill('browser test key');
  await page.getByRole('checkbox', { name: /links:write/ }).uncheck();
  await page.getByLabel(/^Rate limit/).fill('5/s burst 10');
  await page.getByRole('button', { name: 'Create key' }).click();
  const keyValue = page.getByTestId('new-key-value');
  await keyValue.waitFor();
  const key = await keyValue.innerText();
  assert.match(key, /^sk_[A-Za-z0-9]{43}$/);
  assert.match(await page.getByTestId('new-key').innerText(), /shown only this once/);
  await page.getByRole('button', { name: 'Copy key' }).click();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), key);
  const row = page.getByRole('row').filter({ hasText: 'browser test key' });
  await row.waitFor();
  assert.match(await row.innerText(), new RegExp(key.slice(0, 11)));
  assert.ok(!(await row.innerText()).includes(key.slice(11)), 'the list shows the prefix, not the key');
  assert.match(await row.innerText(), /links:read, stats:read/);
  const withKey = () => fetch(`${server.base}/api/v1/links/${slug}`, { headers: { authorization: `Bearer ${key}` } });
  assert.equal((await withKey()).status, 200);
  // The key's own rate limit: shown in its row, changed in place (a bad value is explained, not sent).
  assert.equal(await row.getByTestId('key-rate-limit').innerText(), '5/s burst 10');
  await row.getByRole('button', { name: /Change the rate limit/ }).click();
  const limitInput = row.getByRole('textbox', { name: /Rate limit of/ });
  await limitInput.fill('10/fortnight');
  await row.getByRole('button', { name: 'Save' }).click();
  await row.getByRole('alert').waitFor();
  assert.equal(await limitInput.getAttribute('aria-invalid'), 'true');
  await limitInput.fill('20/s burst 40');
  await row.getByRole('button', { name: 'Save' }).click();
  await row.getByTestId('key-rate-limit').filter({ hasText: '20/s burst 40' }).waitFor();
  const keysSeen = await (await fetch(`${server.base}/api/v1/keys`, { headers: { authorization: `Bearer ${key}` } })).json();
  assert.equal(keysSeen.items.find((k) => k.name === 'browser test key').rate_limit, '20/s burst 40');
  await axe(page, 'keys with a new key');
  await page.screenshot({ path: path.join(ARTIFACTS, 'keys-1280.png'), fullPage: true });
  await page.reload();
  await page.waitForSelector('html[data-hydrated]', { state: 'attached' });
  await row.waitFor();
  assert.equal(await page.getByTestId('new-key').count(), 0, 'the key is not shown again');
  await row.getByRole('button', { name: /Revoke/ }).click();
  await row.getByRole('button', { name: 'Yes, revoke' }).click();
  await row.filter({ hasText: 'Revoked' }).waitFor();
  assert.equal((await withKey()).status, 401);
  await axe(page, 'keys');

  // Every cookie-authenticated write carried the CSRF token.
  assert.ok(writes.length >= 4, `writes seen: ${writes.length}`);
  for (const w of writes.filter((w) => !w.url().endsWith('/auth/login'))) {
    assert.ok((await w.allHeaders())['x-csrf-token'], `${w.method()} ${w.url()} without X-CSRF-Token`);
  }

  // The session ends behind the page's back: the next call answers 401 and the user goes back to login.
  await page.context().clearCookies({ name: 'shortener_session' });
  await page.getByLabel('Name').fill('after expiry');
  await page.getByRole('button', { name: 'Create key' }).click();
  await waitForPath(page, '/app/login/');
  assert.equal(new URL(page.url()).searchParams.get('next'), '/app/keys/');

  // Signing in again returns to the keys page; Sign out ends the session.
  await signIn(page, EMAIL, PASSWORD);
  await waitForPath(page, '/app/keys/');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await waitForPath(page, '/app/login/');
  assert.equal((await page.context().cookies()).find((c) => c.name === 'shortener_session'), undefined);
  await page.goto(`${server.base}/app/keys/`);
  await waitForPath(page, '/app/login/');

  // `next` is honoured only for same-origin paths (no open redirect).
  await page.goto(`${server.base}/app/login/?next=${encodeURIComponent('//evil.example/x')}`);
  await signIn(page, EMAIL, PASSWORD);
  await waitForPath(page, '/app/links/');
  await page.context().close();
});

test('anonymous shortening: the stats token is shown once and opens the dashboard through the fragment', async () => {
  const page = await newPage(390, 844);
  const apiRequests = [];
  page.on('request', (r) => { if (r.url().includes('/api/v1/links/')) apiRequests.push(r); });
  await page.goto(`${server.base}/`);
  await page.getByTestId('anonymous-note').waitFor();
  await page.getByLabel('Long URL').fill('https://example.com/anonymous');
  await page.getByRole('button', { name: 'Shorten' }).click();
  const token = await page.getByTestId('stats-token').innerText();
  assert.match(token, /^st_/);
  const slug = (await page.getByTestId('short-url').innerText()).split('/').pop();
  await axe(page, 'home, anonymous link');
  await page.screenshot({ path: path.join(ARTIFACTS, 'home-anonymous-390.png'), fullPage: true });

  await page.getByRole('link', { name: 'Open dashboard' }).click();
  await page.getByTestId('live-state').filter({ hasText: 'Live' }).waitFor();
  const u = new URL(page.url());
  assert.equal(u.pathname, '/app/link/');
  assert.equal(u.search, `?slug=${slug}`, 'the token is not in the query');
  assert.equal(new URLSearchParams(u.hash.slice(1)).get('token'), token);
  await fetch(`${server.base}/${slug}`, { redirect: 'manual', headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0.0.0 Safari/537.36' } });
  await page.getByTestId('live-count').filter({ hasText: /^1$/ }).waitFor({ timeout: 10000 });
  await page.getByTestId('range-count').filter({ hasText: /^1$/ }).waitFor({ timeout: 10000 });
  const stats = apiRequests.filter((r) => r.url().includes('/stats?'));
  assert.ok(stats.length > 0);
  for (const r of stats) {
    assert.equal((await r.allHeaders())['x-stats-token'], token);
    assert.ok(!r.url().includes(token), 'stats request carries the token in a header, not the URL');
  }
  assert.equal(await page.getByRole('link', { name: 'Edit link' }).count(), 0);
  // The CSV export is fetched with the token in a header and saved from a blob.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
  const csv = fs.readFileSync(await download.path(), 'utf8');
  assert.equal(csv.trim().split('\n').length, 2, 'header + 1 click');
  const exportReq = apiRequests.find((r) => r.url().includes('/clicks?'));
  assert.equal((await exportReq.allHeaders())['x-stats-token'], token);
  assert.ok(!exportReq.url().includes(token));
  // Without the token the same dashboard needs a login.
  await page.goto(`${server.base}/app/link/?slug=${slug}`);
  await waitForPath(page, '/app/login/');
  await page.context().close();
  const csp = consoleErrors.filter((e) => /Content Security Policy|Refused to/i.test(e));
  assert.deepEqual(csp, [], 'no CSP violations in the console');
});

test('sign-up when the server allows it: password rules shown, a weak password refused under its field', async () => {
  const own = await startServer({ env: { SHORTENER_WEB_DIR: path.join(frontend, 'out'), SHORTENER_AUTH: 'required', SHORTENER_SIGNUP: 'open' } });
  const page = await newPage();
  try {
    await page.goto(`${own.base}/app/links/`);
    await waitForPath(page, '/app/login/');
    await page.getByRole('main').getByRole('link', { name: 'Sign up' }).click();
    await waitForPath(page, '/app/signup/');
    assert.match(await page.locator('#pw-rules').innerText(), /8 characters/);
    await page.getByLabel('Email').fill('new@example.com');
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByTestId('auth-error').waitFor();
    assert.equal(await page.getByLabel('Password').getAttribute('aria-invalid'), 'true');
    assert.match(await page.getByLabel('Password').getAttribute('aria-describedby'), /auth-error/);
    await axe(page, 'sign-up with an error');
    await page.getByLabel('Password').fill('a much longer passphrase');
    await page.getByRole('button', { name: 'Create an account' }).click();
    await waitForPath(page, '/app/links/');  // the ?next= of the login page came along
    await page.getByTestId('account-email').filter({ hasText: 'new@example.com' }).waitFor();
  } finally {
    await page.context().close();
    await own.stop();
  }
});

