// Browser tests of the web UI (issue #6): Debian's chromium driven by playwright-core against the real
// binary serving the built export (frontend/out). Screenshots go to test-artifacts/ at the repository root.
// Needs: scripts/install-deps.sh test (chromium), scripts/build-frontend.sh (frontend/out and node_modules).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { makeDataDir, startServer, waitFor } from '../e2e/support.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const frontend = path.join(repo, 'frontend');
const require = createRequire(path.join(frontend, 'package.json'));
const { chromium } = require('playwright-core');
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const ARTIFACTS = path.join(repo, 'test-artifacts');
const GEOIP = path.resolve(repo, '../shared/testdata/maxmind/test-data/GeoIP2-City-Test.mmdb');
const GERMAN_IP = '2a02:d180::1';  // DE in GeoIP2-City-Test.json
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) ' +
  'Version/17.1 Mobile/15E148 Safari/604.1';

let server, browser;
const consoleErrors = [];

before(async () => {
  assert.ok(fs.existsSync(path.join(frontend, 'out/index.html')), 'frontend/out missing: run scripts/build-frontend.sh');
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  server = await startServer({
    env: {
      SHORTENER_WEB_DIR: path.join(frontend, 'out'),
      SHORTENER_TRUSTED_PROXIES: '127.0.0.1/32',
      // The webhooks page's test registers a loopback http endpoint.
      SHORTENER_WEBHOOK_ALLOW_HTTP: 'on',
      SHORTENER_WEBHOOK_ALLOW_PRIVATE: 'on',
      ...(fs.existsSync(GEOIP) ? { SHORTENER_GEOIP_DB: GEOIP } : {}),
    },
  });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',],
    // playwright gives every launch a fresh temporary user-data dir (it refuses --user-data-dir here).
  });
});

after(async () => {
  if (consoleErrors.length) console.log('console errors:\n' + consoleErrors.join('\n'));
  await browser?.close();
  await server?.stop();
});

async function newPage(width = 1280, height = 900, extra = {}) {
  const context = await browser.newContext({ viewport: { width, height }, acceptDownloads: true, ...extra });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.base });
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()}`); });
  page.on('pageerror', (e) => consoleErrors.push(`${page.url()}: ${e.message}`));
  page.on('response', (r) => { if (r.status() >= 400 && !r.url().includes('/api/')) consoleErrors.push(`${r.status()} ${r.url()}`); });
  const goto = page.goto.bind(page);
  page.goto = async (url, opts) => {  // wait for React, so typing never races hydration
    const r = await goto(url, opts);
    if (opts?.waitUntil !== 'commit') await page.waitForSelector('html[data-hydrated]', { state: 'attached', timeout: 15000 });
    return r;
  };
  return page;
}

async function axe(page, name) {
  await page.evaluate(AXE);  // (an injected <script> would be blocked by the page's CSP, as it should)
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help,
      targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${name}: axe serious/critical violations`);
  return result;
}

let slug, shortUrl;

test('home: invalid URL shows a plain error, a valid one gives a short link, copy and QR', async () => {
  const page = await newPage();
  await page.goto(`${server.base}/`);
  // Rate limited (faked answer; the limiter has its own tests): the wait from Retry-After is shown.
  await page.route('**/api/v1/links', (r) => r.fulfill({ status: 429, headers: { 'Retry-After': '5', 'Content-Type': 'application/json' },
    body: JSON.stringify({ error: { code: 'rate_limited', message: 'Too many requests.' } }) }));
  await page.getByLabel('Long URL').fill('https://example.com/limited');
  await page.getByLabel('Long URL').press('Enter');
  await page.locator('#url-error').filter({ hasText: 'Too many requests. Try again in 5 seconds.' }).waitFor();
  await page.unroute('**/api/v1/links');
  await page.getByLabel('Long URL').fill('not a url');
  await page.getByLabel('Long URL').press('Enter');
  const err = page.locator('#url-error');  // (Next's route announcer is also role=alert)
  await err.waitFor();
  assert.match(await err.innerText(), /web address|URL/i);
  await page.getByLabel('Long URL').fill('https://example.com/browser-test');
  await page.getByRole('button', { name: 'Shorten' }).click();
  const link = page.getByTestId('short-url');
  await link.waitFor();
  shortUrl = await link.innerText();
  slug = shortUrl.split('/').pop();
  assert.match(slug, /^[A-Za-z0-9_-]{4,}$/);
  await page.getByRole('img', { name: /QR code/ }).waitFor();
  await page.getByRole('button', { name: 'Copy link' }).click();
  await page.getByRole('button', { name: 'Copied!' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), shortUrl);
  await page.screenshot({ path: path.join(ARTIFACTS, 'home-created-1280.png'), fullPage: true });
  await page.reload();
  await page.getByRole('cell', { name: new RegExp(slug) }).first().waitFor();  // recent links (localStorage)
  await axe(page, 'home');
  await page.screenshot({ path: path.join(ARTIFACTS, 'home-1280.png'), fullPage: true });
  await page.context().close();
});

test('dashboard: a German iPhone click arrives live, map and breakdowns show it, CSV export', async () => {
  const page = await newPage();
  await page.goto(`${server.base}/app/link/?slug=${slug}`);
  await page.getByTestId('live-state').filter({ hasText: 'Live' }).waitFor();
  assert.equal(await page.getByTestId('live-count').innerText(), '0');

  // Another page follows the short link (a real browser click)…
  // (headless Chromium names itself HeadlessChrome, which counts as a bot: present as a desktop Chrome)
  const other = await newPage(1280, 900, { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36' });
  // The redirect is what counts; its target (example.com) is not reachable from the test machine.
  const followed = await other.goto(`${server.base}/${slug}`, { waitUntil: 'commit' }).catch((e) => e);
  assert.ok(followed instanceof Error ? /ERR_NAME_NOT_RESOLVED|ERR_|net::/.test(followed.message) : true);
  await other.context().close();
  await page.getByTestId('live-count').filter({ hasText: /^1$/ }).waitFor({ timeout: 10000 });  // (waitForFunction needs eval: CSP)

  // …and one from Germany on an iPhone, through the trusted proxy header.
  const res = await fetch(`${server.base}/${slug}`, { redirect: 'manual', headers: { 'user-agent': IPHONE, 'x-forwarded-for': GERMAN_IP, 'accept-language': 'de-DE' } });
  assert.equal(res.status, 302);
  await page.getByTestId('live-count').filter({ hasText: /^2$/ }).waitFor({ timeout: 10000 });  // (waitForFunction needs eval: CSP)
  const feed = page.getByTestId('feed');
  await feed.getByText(/Germany/).first().waitFor();
  assert.match(await feed.innerText(), /mobile/);

  // Breakdowns and map refresh from the stats endpoint.
  await page.locator('[data-breakdown=Countries]').getByText('Germany').waitFor({ timeout: 10000 });
  await page.locator('[data-breakdown="Operating systems"]').getByText('iOS').waitFor();
  await page.locator('[data-breakdown=Devices]').getByText('mobile').waitFor();
  await page.locator('path[data-country=DE]').waitFor();
  const deClicks = await page.locator('path[data-country=DE]').first().getAttribute('data-clicks');
  assert.equal(deClicks, '1');
  await page.locator('.uplot').waitFor();
  await page.getByText('This product includes GeoLite2 data created by MaxMind').waitFor();
  // Budget: the dashboard's JavaScript, as transferred (gzip), at most 250 KB.
  const jsGzip = await page.evaluate(() => performance.getEntriesByType('resource')
    .filter((e) => /\.js(\?|$)/.test(e.name)).reduce((a, e) => a + e.encodedBodySize, 0));
  assert.ok(jsGzip > 50_000 && jsGzip <= 250 * 1024, `dashboard JS ${jsGzip} bytes gzip`);

  // QR code drawn by the server (GET /api/v1/links/{slug}/qr.svg), downloadable as PNG and SVG.
  const qr = page.getByRole('img', { name: `QR code for ${shortUrl}` });
  assert.equal(await qr.getAttribute('src'), `/api/v1/links/${slug}/qr.svg`);
  const [png] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download PNG' }).click()]);
  assert.equal(png.suggestedFilename(), `${slug}-qr.png`);
  assert.equal(fs.readFileSync(await png.path()).subarray(1, 4).toString(), 'PNG');
  const [svg] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download SVG' }).click()]);
  assert.match(fs.readFileSync(await svg.path(), 'utf8'), /<svg[\s\S]*<path/);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
  const csv = fs.readFileSync(await download.path(), 'utf8');
  assert.match(csv.split('\n')[0], /country/);
  assert.equal(csv.trim().split('\n').length, 3, 'header + 2 clicks');
  assert.match(csv, /DE/);

  await axe(page, 'dashboard');
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-1280.png'), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-390.png'), fullPage: true });
  await page.context().close();
});

test('dashboard: the stream drops, the UI says it is reconnecting, then it is live again (dark mode)', async () => {
  const page = await newPage(1280, 900, { colorScheme: 'dark' });
  // A server without QR endpoints (older API behind the UI): the code is drawn in the browser instead.
  await page.route('**/qr.svg', (r) => r.fulfill({ status: 404, contentType: 'application/json', body: '{"error":{"code":"not_found","message":"No such link."}}' }));
  await page.goto(`${server.base}/app/link/?slug=${slug}`);
  await page.getByRole('link', { name: 'Download PNG' }).waitFor();
  assert.match(await page.getByRole('link', { name: 'Download PNG' }).getAttribute('href'), /^data:image\/png;base64,/);
  assert.match(await page.getByRole('img', { name: /QR code/ }).getAttribute('src'), /^data:image\/png/);
  assert.equal(await page.getByRole('link', { name: 'Download SVG' }).count(), 0);
  await page.getByTestId('live-state').filter({ hasText: 'Live' }).waitFor();
  await page.locator('[data-breakdown=Countries]').getByText('Germany').waitFor();
  await axe(page, 'dashboard (dark)');
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-dark-1280.png'), fullPage: true });
  await page.context().close();
});

test('dashboard: the server goes away, the UI says it is reconnecting, then it is live again', async () => {
  // A server of its own on a fixed port, so it can come back at the same address.
  const port = await new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => { const p = srv.address().port; srv.close(() => resolve(p)); });
  });
  const dataDir = makeDataDir();
  const env = { SHORTENER_WEB_DIR: path.join(frontend, 'out'), SHORTENER_LISTEN: `127.0.0.1:${port}` };
  let own = await startServer({ env, dataDir });
  const created = await (await fetch(`${own.base}/api/v1/links`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url: 'https://example.com/reconnect' }) })).json();
  const page = await newPage(390, 844);
  await page.goto(`${own.base}/app/link/?slug=${created.slug}`);
  await page.getByTestId('live-state').filter({ hasText: 'Live' }).waitFor();
  // The chart and the map are loaded lazily: let their chunks arrive before the server goes away (a chunk
  // cut off mid-load is a different failure from the one this test is about).
  await page.getByText('Loading chart…').waitFor({ state: 'detached' });
  await page.getByText('Loading map…').waitFor({ state: 'detached' });
  await own.stop();
  await page.getByTestId('live-state').filter({ hasText: 'Reconnecting…' }).waitFor({ timeout: 15000 });
  await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-reconnecting-390.png') });
  own = await startServer({ env, dataDir });
  try {
    await page.getByTestId('live-state').filter({ hasText: 'Live' }).waitFor({ timeout: 40000 });
    // A click after the reconnect still arrives without a reload.
    await fetch(`${own.base}/${created.slug}`, { redirect: 'manual', headers: { 'user-agent': IPHONE } });
    await page.getByTestId('live-count').filter({ hasText: /^1$/ }).waitFor({ timeout: 10000 });
  } finally {
    await page.context().close();
    await own.stop();
  }
  await page.context().close();
});

test('link settings: server errors next to the field, edit and the redirect follows, tag filter, delete', async () => {
  const created = await (await fetch(`${server.base}/api/v1/links`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url: 'https://example.com/before-edit' }) })).json();
  const page = await newPage();
  await page.goto(`${server.base}/app/link/?slug=${created.slug}`);
  await page.getByRole('link', { name: 'Edit link' }).click();
  const dest = page.getByLabel('Destination URL');
  await dest.waitFor();
  assert.equal(await dest.inputValue(), 'https://example.com/before-edit');

  // A URL the server refuses: its message appears under the field, which is marked invalid and focused.
  await dest.fill('ftp://example.com/x');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByTestId('url-error').waitFor();
  assert.match(await page.getByTestId('url-error').innerText(), /scheme|http/i);
  assert.equal(await dest.getAttribute('aria-invalid'), 'true');
  assert.equal(await dest.getAttribute('aria-describedby'), 'url-error');
  assert.ok(await dest.evaluate((el) => el === document.activeElement));
  // A client-side check names its field too.
  await page.getByLabel('Maximum clicks').fill('ten');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByTestId('max_clicks-error').waitFor();

  await dest.fill('https://example.com/after-edit');
  await page.getByLabel('Maximum clicks').fill('1000');
  await page.getByLabel('Redirect type').selectOption('307');
  await page.getByLabel('Tags (comma-separated)').fill('browser-edit, q4');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByTestId('saved').waitFor();
  const res = await fetch(`${server.base}/${created.slug}`, { redirect: 'manual' });
  assert.equal(res.status, 307);
  assert.equal(res.headers.get('location'), 'https://example.com/after-edit');
  const stored = await (await fetch(`${server.base}/api/v1/links/${created.slug}`)).json();
  assert.deepEqual([stored.max_clicks, stored.tags], [1000, ['browser-edit', 'q4']]);
  await axe(page, 'link settings');
  await page.screenshot({ path: path.join(ARTIFACTS, 'link-settings-1280.png'), fullPage: true });

  // Tag filter on the links page: only the tagged link.
  await page.goto(`${server.base}/app/links/?tag=browser-edit`);
  await page.getByRole('row').getByRole('link', { name: created.slug, exact: true }).waitFor();
  assert.equal(await page.getByRole('row').getByRole('link', { name: slug, exact: true }).count(), 0);
  assert.equal(await page.getByLabel('Tag', { exact: true }).inputValue(), 'browser-edit');
  await page.getByRole('link', { name: /Show all tags/ }).click();
  await page.getByRole('row').getByRole('link', { name: slug, exact: true }).waitFor();

  // Erase its clicks (issue #17), with a confirmation step: every click before tomorrow, UTC.
  for (let i = 0; i < 2; i++) await fetch(`${server.base}/${created.slug}`, { redirect: 'manual', headers: { 'user-agent': IPHONE } });
  const clicks = async () => (await (await fetch(`${server.base}/api/v1/links/${created.slug}`)).json()).clicks;
  for (let i = 0; i < 100 && (await clicks()) < 3; i++) await new Promise((r) => setTimeout(r, 50));  // + the 307 above
  assert.equal(await clicks(), 3);
  await page.goto(`${server.base}/app/link/edit/?slug=${created.slug}`);
  await page.getByLabel('Erase clicks before').fill(new Date(Date.now() + 86_400_000).toISOString().slice(0, 10));
  await page.getByRole('button', { name: 'Erase clicks…' }).click();
  await page.getByRole('button', { name: 'Yes, erase them' }).click();
  await page.getByTestId('erased').waitFor();
  assert.match(await page.getByTestId('erased').innerText(), /^Erased 3 clicks before/);
  assert.equal(await clicks(), 0);

  // Delete, with a confirmation step; afterwards the page says so and the short link answers 410.
  await page.getByRole('button', { name: 'Delete link…' }).click();
  await page.getByRole('button', { name: 'Yes, delete it' }).click();
  await page.getByTestId('deleted').waitFor();
  assert.equal((await fetch(`${server.base}/${created.slug}`, { redirect: 'manual' })).status, 410);
  await page.context().close();
});

test('link settings: UTM builder writes the destination, social preview fields with their card', async () => {
  const created = await (await fetch(`${server.base}/api/v1/links`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url: 'https://example.com/p?keep=1&utm_source=old#frag' }) })).json();
  const page = await newPage();
  await page.goto(`${server.base}/app/link/edit/?slug=${created.slug}`);
  const dest = page.getByLabel('Destination URL');
  await dest.waitFor();
  await page.getByText('UTM parameters').click();
  assert.equal(await page.getByLabel(/^Source/).inputValue(), 'old');
  await page.getByLabel(/^Source/).fill('news letter');
  await page.getByLabel(/^Campaign/).fill('spring&sale');
  assert.equal(await dest.inputValue(), 'https://example.com/p?keep=1&utm_source=news%20letter&utm_campaign=spring%26sale#frag');

  // Social preview: a bad image URL is refused next to its field, then the card shows what was typed.
  await page.getByLabel(/^Title/).fill('Spring "sale" <now>');
  await page.getByLabel(/^Description/).fill('Half price');
  await page.getByLabel(/^Image URL/).fill('http://cdn.example.com/card.png');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByTestId('og_image-error').waitFor();
  await page.getByLabel(/^Image URL/).fill('https://cdn.example.com/card.png');
  await page.getByTestId('og-card').filter({ hasText: 'Spring "sale" <now>' }).waitFor();
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByTestId('saved').filter({ hasText: 'Saved' }).waitFor();
  const stored = await (await fetch(`${server.base}/api/v1/links/${created.slug}`)).json();
  assert.equal(stored.long_url, 'https://example.com/p?keep=1&utm_source=news%20letter&utm_campaign=spring%26sale#frag');
  assert.deepEqual([stored.og_title, stored.og_description, stored.og_image],
    ['Spring "sale" <now>', 'Half price', 'https://cdn.example.com/card.png']);
  const preview = await fetch(`${server.base}/${created.slug}`, { redirect: 'manual', headers: { 'user-agent': 'Slackbot-LinkExpanding 1.0' } });
  assert.equal(preview.status, 200);
  assert.match(await preview.text(), /og:title" content="Spring &quot;sale&quot; &lt;now&gt;"/);
  await axe(page, 'link settings, UTM and social preview');
  await page.context().close();
});

test('links page: the overview shows UTM campaigns across all links (issue #17)', async () => {
  const own = await startServer({ env: { SHORTENER_WEB_DIR: path.join(frontend, 'out'), SHORTENER_OVERVIEW_CACHE_MS: '0' } });
  const page = await newPage();
  try {
    const created = await (await fetch(`${own.base}/api/v1/links`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://example.com/campaign' }) })).json();
    for (let i = 0; i < 3; i++) {
      await fetch(`${own.base}/${created.slug}?utm_source=Newsletter&utm_campaign=launch`, { redirect: 'manual', headers: { 'user-agent': IPHONE } });
    }
    for (let i = 0; i < 100; i++) {  // the click worker stores them asynchronously
      const o = await (await fetch(`${own.base}/api/v1/stats`)).json();
      if (o.utm?.source?.[0]?.clicks === 3) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await page.goto(`${own.base}/app/links/`);
    const utm = page.getByTestId('overview-utm');
    await utm.getByText('Campaigns (UTM) across all links').click();
    await utm.getByRole('table').first().waitFor();
    const text = await utm.innerText();
    assert.match(text, /newsletter/);
    assert.match(text, /launch/);
    await axe(page, 'links page with the UTM overview');
  } finally {
    await page.context().close();
    await own.stop();
  }
});

test('link settings: targeting, query forwarding, disable, password, click limit with an expired URL', async () => {
  const created = await (await fetch(`${server.base}/api/v1/links`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url: 'https://example.com/managed' }) })).json();
  const follow = (opts = {}, query = '') => fetch(`${server.base}/${created.slug}${query}`, { redirect: 'manual', ...opts });
  const DESKTOP = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
  const page = await newPage();
  await page.goto(`${server.base}/app/link/edit/?slug=${created.slug}`);
  const save = async () => {
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByTestId('saved').filter({ hasText: 'Saved' }).waitFor();
  };

  // A targeting URL the server refuses: the error sits under that input.
  await page.getByLabel('iOS URL').fill('ftp://apps.example.com/x');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByTestId('ios-error').waitFor();
  assert.equal(await page.getByLabel('iOS URL').getAttribute('aria-invalid'), 'true');
  await page.getByLabel('iOS URL').fill('https://apps.apple.com/app/id1');
  await page.getByRole('button', { name: 'Add a country' }).click();
  await page.getByLabel('Country', { exact: true }).selectOption('DE');
  await page.getByLabel('URL for Germany').fill('https://example.de/');
  await page.getByLabel(/Forward the short link/).check();
  await save();
  const stored = await (await fetch(`${server.base}/api/v1/links/${created.slug}`)).json();
  assert.deepEqual(stored.targeting, { ios: 'https://apps.apple.com/app/id1', android: null, countries: { DE: 'https://example.de/' } });
  assert.equal(stored.forward_query, true);
  assert.match((await follow({ headers: { 'user-agent': IPHONE } })).headers.get('location'), /^https:\/\/apps\.apple\.com\/app\/id1/);
  if (fs.existsSync(GEOIP)) {
    const de = await follow({ headers: { 'user-agent': DESKTOP, 'x-forwarded-for': GERMAN_IP } });
    assert.match(de.headers.get('location'), /^https:\/\/example\.de\//);
  }
  assert.equal((await follow({ headers: { 'user-agent': DESKTOP } }, '?utm_source=x')).headers.get('location'),
    'https://example.com/managed?utm_source=x');

  // Disable, then enable again.
  await page.getByLabel(/^Disabled/).check();
  await save();
  assert.equal((await follow()).status, 404);
  await page.getByLabel(/^Disabled/).uncheck();
  await save();
  assert.equal((await follow({ headers: { 'user-agent': DESKTOP } })).status, 302);

  // Password: set (write-only: the form never shows it), then remove.
  await page.getByLabel('Set a password').check();
  await page.getByLabel('New password').fill('open sesame');
  await save();
  await page.getByTestId('password-state').filter({ hasText: 'asks visitors for a password' }).waitFor();
  assert.equal(await page.getByLabel('New password').count(), 0);
  assert.equal((await follow()).status, 401);  // API clients: password_required
  const form = await follow({ headers: { accept: 'text/html' } });  // browsers: the interstitial form
  assert.match(await form.text(), /type="password"/);
  await page.getByLabel('Remove it').check();
  await save();
  await page.getByTestId('password-state').filter({ hasText: 'no password' }).waitFor();
  assert.equal((await follow({ headers: { 'user-agent': DESKTOP } })).status, 302);

  // A limit of one click with an expired URL: once it is used up, visitors go there.
  await page.getByLabel('Maximum clicks').fill('1');
  await page.getByLabel(/After expiry, send visitors to/).fill('https://example.com/sold-out');
  await save();
  await follow({ headers: { 'user-agent': DESKTOP } });
  const over = await follow({ headers: { 'user-agent': DESKTOP } });
  assert.equal(over.headers.get('location'), 'https://example.com/sold-out');
  await axe(page, 'link settings, all fields');
  await page.screenshot({ path: path.join(ARTIFACTS, 'link-settings-full-1280.png'), fullPage: true });
  await page.context().close();
});

test('link settings: rules and an A/B split (issue #17); the dashboard shows the variants side by side', async () => {
  const created = await (await fetch(`${server.base}/api/v1/links`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url: 'https://example.com/ab' }) })).json();
  const DESKTOP = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
  const follow = (ip, query = '') => fetch(`${server.base}/${created.slug}${query}`,
    { redirect: 'manual', headers: { 'user-agent': DESKTOP, 'x-forwarded-for': ip } });
  const page = await newPage();
  await page.goto(`${server.base}/app/link/edit/?slug=${created.slug}`);
  await page.getByRole('button', { name: 'Add a rule' }).click();
  // A rule without a condition is refused next to its first field.
  await page.getByLabel('Send to URL').fill('https://example.com/twitter');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByTestId('rule-countries-0-error').waitFor();
  await page.getByLabel(/^Query parameters/).fill('ref=tw');
  await page.getByLabel('Send to URL').fill('ftp://example.com/twitter');  // the server refuses it: shown under it
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByTestId('rule-url-0-error').waitFor();
  assert.equal(await page.getByLabel('Send to URL').getAttribute('aria-invalid'), 'true');
  await page.getByLabel('Send to URL').fill('https://example.com/twitter');
  await page.getByRole('button', { name: 'Add a variant' }).click();
  await page.getByLabel('Variant 2 URL').fill('https://example.com/b');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByTestId('saved').filter({ hasText: 'Saved' }).waitFor();
  const stored = await (await fetch(`${server.base}/api/v1/links/${created.slug}`)).json();
  assert.deepEqual(stored.rules, [{ if: { query: { ref: 'tw' } }, url: 'https://example.com/twitter' }]);
  assert.deepEqual(stored.split, [{ url: 'https://example.com/ab', weight: 50 }, { url: 'https://example.com/b', weight: 50 }]);
  await axe(page, 'link settings with rules and a split');
  await page.context().close();

  assert.equal((await follow('198.51.100.1', '?ref=tw')).headers.get('location'), 'https://example.com/twitter');
  let n = 1;
  for (let i = 0; i < 20; i++, n++) await follow(`198.51.100.${i + 10}`);
  await waitFor(async () => (await (await fetch(`${server.base}/api/v1/links/${created.slug}`)).json()).clicks === n, 10000, 'clicks stored');
  const dash = await newPage();
  await dash.goto(`${server.base}/app/link/?slug=${created.slug}`);
  const table = dash.locator('[data-breakdown=Destinations]');
  await table.getByText('Variant 1').waitFor({ timeout: 10000 });
  await table.getByText('Variant 2').waitFor();
  await table.getByText('Rule 1').waitFor();
  await table.getByRole('columnheader', { name: 'Unique visitors' }).waitFor();
  // Side by side: each variant's row shows the clicks and unique visitors the stats API gives for it.
  const stats = await (await fetch(`${server.base}/api/v1/links/${created.slug}/stats?interval=day`)).json();
  for (const [i, url] of ['https://example.com/ab', 'https://example.com/b'].entries()) {
    const want = stats.destinations.find((d) => d.route === `variant:${i}`);
    const cells = await table.getByRole('row', { name: new RegExp(`^Variant ${i + 1} `) }).getByRole('cell').allTextContents();
    if (!want) {
      assert.equal(cells.length, 0, `variant ${i} has no clicks yet is shown`);
      continue;
    }
    assert.deepEqual(cells.map((c) => c.trim()), [url, String(want.clicks), String(want.unique_visitors)]);
  }
  await axe(dash, 'dashboard with destinations');
  await dash.screenshot({ path: path.join(ARTIFACTS, 'dashboard-destinations-1280.png'), fullPage: true });
  await dash.context().close();
});

test('links page and phone layout, keyboard focus, no CSP errors', async () => {
  const page = await newPage(390, 844, { isMobile: true, hasTouch: true });
  await page.goto(`${server.base}/app/links/`);
  await page.getByRole('row').getByRole('link', { name: slug }).waitFor();
  await page.getByLabel('Search by slug or destination').fill('browser-test');
  await page.getByLabel('Search by slug or destination').press('Enter');
  await page.getByRole('row').getByRole('link', { name: slug }).waitFor();
  assert.match(await page.getByTestId('overview').innerText(), /clicks/);  // GET /api/v1/stats summary
  // The Export control downloads every link as CSV (issue #15): the file the server streams holds this one.
  const exportHref = await page.getByTestId('export-links').getAttribute('href');
  assert.equal(exportHref, '/api/v1/links/export?format=csv');
  const csv = await page.evaluate(async (href) => (await fetch(href)).text(), exportHref);
  assert.match(csv, /^url,slug,domain,title,tags,created_at,expires_at,max_clicks,password\r\n/);
  assert.ok(csv.includes(`,${slug},`), 'the export holds the link');
  await page.keyboard.press('Tab');
  assert.ok(await page.evaluate(() => document.activeElement && document.activeElement !== document.body));
  await axe(page, 'links');
  await page.screenshot({ path: path.join(ARTIFACTS, 'links-390.png'), fullPage: true });
  await page.goto(`${server.base}/`);
  await page.getByLabel('Long URL').waitFor();
  await page.screenshot({ path: path.join(ARTIFACTS, 'home-390.png'), fullPage: true });
  // Unknown /app path → the export's not-found page; old-style path → trailing-slash redirect.
  const r = await page.goto(`${server.base}/app/nope/`);
  assert.equal(r.status(), 404);
  const r2 = await page.goto(`${server.base}/app/links`);
  assert.equal(new URL(r2.url()).pathname, '/app/links/');
  // Auth mode none: no sign-in anywhere; the login page sends the user on.
  assert.equal(await page.getByRole('link', { name: 'Sign in' }).count(), 0);
  await page.goto(`${server.base}/app/login/?next=${encodeURIComponent('/app/links/?tag=x')}`);
  await page.waitForURL((u) => new URL(u).pathname === '/app/links/' && new URL(u).search === '?tag=x');
  await page.goto(`${server.base}/app/keys/`);
  await page.getByTestId('keys-auth-off').waitFor();
  await page.context().close();
  const csp = consoleErrors.filter((e) => /Content Security Policy|Refused to/i.test(e));
  assert.deepEqual(csp, [], 'no CSP violations in the console');
});

test('links page counts people by default; "Include bots" adds the bots (issue #12)', async () => {
  const person = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36' };
  const created = await fetch(`${server.base}/api/v1/links`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url: 'https://example.com/people-and-bots', slug: 'people-bots' }),
  });
  assert.equal(created.status, 201);
  const visit = async (headers, method = 'GET') =>
    (await fetch(`${server.base}/people-bots`, { method, headers, redirect: 'manual' })).status;
  assert.equal(await visit(person), 302);
  assert.equal(await visit(person), 302);
  assert.equal(await visit({ 'user-agent': 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)' }), 302);
  assert.equal(await visit(person, 'HEAD'), 302);
  for (let i = 0; ; i++) {
    const link = await (await fetch(`${server.base}/api/v1/links/people-bots`)).json();
    if (link.clicks === 4) break;
    assert.ok(i < 100, 'clicks stored');
    await new Promise((r) => setTimeout(r, 50));
  }
  const page = await newPage();
  await page.goto(`${server.base}/app/links/`);
  await page.getByLabel('Search by slug or destination').fill('people-bots');
  await page.getByLabel('Search by slug or destination').press('Enter');
  const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'people-bots' }) });
  await row.getByTestId('link-clicks').filter({ hasText: /^2$/ }).waitFor();
  await page.getByRole('checkbox', { name: 'Include bots' }).check();
  await row.getByTestId('link-clicks').filter({ hasText: /^4$/ }).waitFor();
  await page.getByRole('checkbox', { name: 'Include bots' }).uncheck();
  await row.getByTestId('link-clicks').filter({ hasText: /^2$/ }).waitFor();
  // The dashboard's unique visitors are a figure (one visitor: same address and browser), never a false 0.
  await page.goto(`${server.base}/app/link/?slug=people-bots`);
  await page.getByTestId('range-uniques').filter({ hasText: /^1$/ }).waitFor({ timeout: 10000 });
  await page.getByTestId('include-bots').check();
  await page.getByTestId('range-uniques').filter({ hasText: /^2$/ }).waitFor({ timeout: 10000 });
  await page.context().close();
});

test('import page: a dry run of a Kutt file shows the summary and stores nothing, then the import stores it (issue #15)', async () => {
  const page = await newPage();
  await page.goto(`${server.base}/app/import/`);
  await page.setInputFiles('[data-testid="import-file"]', path.join(repo, 'tests/data/import/kutt.json'));
  assert.equal(await page.inputValue('[data-testid="import-format"]'), 'bitly', 'a .json file picks a JSON format');
  await page.selectOption('[data-testid="import-format"]', 'kutt');
  assert.ok(await page.isChecked('[data-testid="import-dry-run"]'), 'dry run is the default');
  await page.click('button[type="submit"]');
  const summary = page.locator('[data-testid="import-summary"]');
  await summary.waitFor();
  assert.match(await summary.innerText(), /Dry run: 2 would be imported, 0 skipped/);
  await axe(page, 'import dry run');
  assert.equal((await fetch(`${server.base}/api/v1/links/kutt-docs`)).status, 404);
  await page.uncheck('[data-testid="import-dry-run"]');
  await page.click('button[type="submit"]');
  await page.locator('[data-testid="import-summary"] >> text=2 imported').waitFor();
  const link = await (await fetch(`${server.base}/api/v1/links/kutt-docs`)).json();
  assert.equal(link.imported_clicks, 42);
  await page.screenshot({ path: path.join(ARTIFACTS, 'import.png'), fullPage: true });
});

test('import page: a large file is imported in the background with a progress bar, then the summary (issue #15)', async () => {
  const file = path.join(ARTIFACTS, 'large-import.csv');
  const rows = Array.from({ length: 40000 }, (_, i) => `https://example.com/ui-job/${i},ui-job-${i}`);
  fs.writeFileSync(file, ['url,slug', ...rows].join('\n'));
  const page = await newPage();
  await page.goto(`${server.base}/app/import/`);
  await page.setInputFiles('[data-testid="import-file"]', file);
  await page.uncheck('[data-testid="import-dry-run"]');
  await page.click('button[type="submit"]');
  const progress = page.locator('[data-testid="import-progress"]');
  await progress.waitFor();
  assert.match(await progress.innerText(), /of 40,000 rows handled/);
  await axe(page, 'import in progress');
  await page.locator('[data-testid="import-summary"] >> text=40,000 imported').waitFor({ timeout: 60_000 });
  assert.equal(await progress.count(), 0);
  assert.equal((await fetch(`${server.base}/api/v1/links/ui-job-39999`)).status, 200);
});

test('webhooks page: create shows the secret once, send test, deliveries, edit, disable and enable, delete (issue #15)', async () => {
  const page = await newPage();
  await page.goto(`${server.base}/app/webhooks/`);
  await page.getByRole('link', { name: 'Webhooks', exact: true }).waitFor();
  await page.fill('#hook-url', 'http://127.0.0.1:9/ui-hook');
  await page.getByRole('checkbox', { name: 'link.clicked' }).check();
  await page.getByRole('button', { name: 'Add webhook' }).click();
  const secret = page.getByTestId('new-webhook-secret');
  await secret.waitFor();
  assert.match(await secret.innerText(), /^whsec_[A-Za-z0-9+/]+=*$/);
  await axe(page, 'webhooks, new secret');
  const card = page.locator('article', { hasText: 'http://127.0.0.1:9/ui-hook' });
  await card.getByText('link.created, link.clicked').waitFor();
  await card.getByRole('button', { name: /Send test/ }).click();
  await card.getByRole('button', { name: /Deliveries/ }).click();
  await card.getByTestId('deliveries').getByText('webhook.test').waitFor();
  await axe(page, 'webhooks, deliveries');
  await page.screenshot({ path: path.join(ARTIFACTS, 'webhooks.png'), fullPage: true });
  // Edit: events (link.broken among them), then disable and enable again (PATCH /api/v1/webhooks/{id}).
  await card.getByRole('button', { name: /^Edit/ }).click();
  const edit = card.getByTestId('edit-webhook');
  await edit.getByRole('checkbox', { name: 'link.created' }).uncheck();
  await edit.getByRole('checkbox', { name: 'link.broken' }).check();
  await axe(page, 'webhooks, edit');
  await edit.getByRole('button', { name: /^Save/ }).click();
  await card.getByText('link.clicked, link.broken').waitFor();
  await card.getByTestId('toggle-webhook').click();
  await card.getByText('Disabled: disabled by its owner').waitFor();
  await card.getByTestId('toggle-webhook').filter({ hasText: 'Enable' }).click();
  await card.getByTestId('toggle-webhook').filter({ hasText: 'Disable' }).waitFor();
  assert.equal(await card.getByText(/^Disabled:/).count(), 0);
  await card.getByRole('button', { name: /^Delete/ }).click();
  await card.getByRole('button', { name: 'Yes, delete' }).click();
  await page.getByText('No webhooks yet.').waitFor();
  await page.context().close();
});
