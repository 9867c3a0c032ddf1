// Loads a dashboard URL RUNS times in headless Chromium (fresh context each time: cold cache) and prints
// JSON: JavaScript transferred (gzip bodies, and with headers), time to first contentful paint and time
// until the dashboard shows its data (chart drawn, map shaded, breakdowns filled), medians over the runs.
// Usage: node bench/ui-dashboard.mjs URL [RUNS]   (playwright-core from frontend/node_modules)
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../frontend/package.json'));
const { chromium } = require('playwright-core');
const [url, runsArg] = process.argv.slice(2);
const runs = Number(runsArg ?? 5);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = [];
for (let i = 0; i < runs; i++) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(url, { waitUntil: 'commit' });
  await page.locator('.uplot').waitFor({ timeout: 30000 });
  await page.locator('path[data-country=DE]:not([data-clicks="0"])').first().waitFor({ timeout: 30000 });
  await page.locator('[data-breakdown=Browsers] td.num').first().waitFor({ timeout: 30000 });
  const m = await page.evaluate(() => {
    const now = performance.now();
    const res = performance.getEntriesByType('resource').filter((e) => /\.js(\?|$)/.test(e.name));
    const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null;
    const all = performance.getEntriesByType('resource');
    const stats = all.find((e) => e.name.includes('/stats?'));
    const atlas = all.find((e) => e.name.includes('countries-110m.json'));
    return {
      rendered_ms: now,
      stats_ms: stats ? stats.responseEnd - stats.startTime : null,
      stats_end_ms: stats ? stats.responseEnd : null,
      atlas_gzip_bytes: atlas ? atlas.encodedBodySize : null,
      fcp_ms: fcp,
      js_files: res.length,
      js_gzip_bytes: res.reduce((a, e) => a + e.encodedBodySize, 0),
      js_transfer_bytes: res.reduce((a, e) => a + e.transferSize, 0),
      js_raw_bytes: res.reduce((a, e) => a + e.decodedBodySize, 0),
    };
  });
  results.push(m);
  if (i === 0 && process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });
  await context.close();
}
await browser.close();
console.log(JSON.stringify({
  url, runs,
  js_files: results[0].js_files,
  js_gzip_kb: +(results[0].js_gzip_bytes / 1024).toFixed(1),
  js_transfer_kb: +(results[0].js_transfer_bytes / 1024).toFixed(1),
  js_raw_kb: +(results[0].js_raw_bytes / 1024).toFixed(1),
  fcp_ms_median: Math.round(median(results.map((r) => r.fcp_ms))),
  first_render_ms_median: Math.round(median(results.map((r) => r.rendered_ms))),
  stats_request_ms_median: Math.round(median(results.map((r) => r.stats_ms))),
  stats_response_end_ms_median: Math.round(median(results.map((r) => r.stats_end_ms))),
  atlas_gzip_kb: +(results[0].atlas_gzip_bytes / 1024).toFixed(1),
  first_render_ms_all: results.map((r) => Math.round(r.rendered_ms)),
}));
