// Browser test of single sign-on (issue #16, docs/sso.md): Chromium through the real login page's "Sign in with …"
// button, a real OpenID provider on loopback (npm oidc-provider, tests/oidc/provider.mjs, signing in its account
// without pages), password login off (no password form), back on the page the user was going to, signed in;
// and the login page's message for a failed sign-in. axe-checked. Debian's chromium + playwright-core.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { makeDataDir, startServer } from '../e2e/support.mjs';
import { startProvider } from '../oidc/provider.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const frontend = path.join(repo, 'frontend');
const require = createRequire(path.join(frontend, 'package.json'));
const { chromium } = require('playwright-core');
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const ARTIFACTS = path.join(repo, 'test-artifacts');
const SECRET = 'browser-test-client-secret-0123456789';

let server, browser, idp, site;
const consoleErrors = [];

before(async () => {
  assert.ok(fs.existsSync(path.join(frontend, 'out/index.html')), 'frontend/out missing: run scripts/build-frontend.sh');
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  idp = await startProvider();
  server = await startServer({
    dataDir: makeDataDir(),
    env: {
      SHORTENER_WEB_DIR: path.join(frontend, 'out'),
      SHORTENER_AUTH: 'required',
      SHORTENER_PASSWORD_LOGIN: 'off',
      SHORTENER_OIDC_ISSUER: idp.issuer,
      SHORTENER_OIDC_CLIENT_ID: 'shortener',
      SHORTENER_OIDC_CLIENT_SECRET: SECRET,
      SHORTENER_OIDC_NAME: 'Example ID',
      SHORTENER_OIDC_ALLOWED_DOMAINS: 'example.com',
    },
  });
  site = server.publicUrl;  // the redirect URI's host: the state cookie must come back to it
  await idp.register({ client_id: 'shortener', client_secret: SECRET, redirect_uris: [`${site}/api/v1/auth/oidc/callback`] });
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
  await idp?.stop();
});

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  return page;
}

async function hydrated(page) {
  await page.waitForSelector('html[data-hydrated]', { state: 'attached', timeout: 15000 });
}

async function axe(page, name) {
  await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help }));
  });
  const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${name}: axe serious/critical violations`);
}

test('sign in with the provider through the login page button', async () => {
  const page = await newPage();
  await page.goto(`${site}/app/links/`);
  await page.waitForURL((u) => new URL(u).pathname === '/app/login/', { timeout: 15000 });
  await hydrated(page);
  const button = page.getByRole('link', { name: 'Sign in with Example ID' });
  await button.waitFor();
  assert.equal(await page.getByLabel('Password').count(), 0, 'no password form when password login is off');
  await axe(page, 'login with single sign-on');
  await page.screenshot({ path: path.join(ARTIFACTS, 'login-sso-1280.png'), fullPage: true });

  await button.click();  // → shortener → provider (signs alice in) → callback → /app/links/
  await page.waitForURL((u) => new URL(u).pathname === '/app/links/', { timeout: 20000 });
  await hydrated(page);
  await page.getByTestId('account-email').filter({ hasText: 'alice@example.com' }).waitFor();
  const cookies = await page.context().cookies(site);
  const session = cookies.find((c) => c.name === 'shortener_session');
  assert.ok(session && session.httpOnly && session.sameSite === 'Lax', 'the same session cookie as a password login');
  assert.ok(!cookies.some((c) => c.name === 'shortener_oidc'), 'the sign-in state cookie is gone');
});

test('a failed sign-in comes back to the login page with a plain message', async () => {
  idp.accounts.set('nobody-sub', { email: 'nobody@elsewhere.test', email_verified: true });
  idp.account = 'nobody-sub';
  try {
    const page = await newPage();
    await page.goto(`${site}/app/login/`);
    await hydrated(page);
    await page.getByRole('link', { name: 'Sign in with Example ID' }).click();
    await page.waitForURL((u) => new URL(u).searchParams.get('sso_error') === 'sso_not_allowed', { timeout: 20000 });
    await hydrated(page);
    const message = page.getByTestId('sso-error');
    await message.waitFor();
    assert.equal(await message.innerText(), 'There is no account for you here yet. Ask an administrator.');
    await axe(page, 'login after a failed sign-in');
  } finally {
    idp.account = 'alice-sub';
  }
});
