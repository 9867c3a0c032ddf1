// QR codes of short links on the real binary: GET|HEAD /api/v1/links/{slug}/qr.svg and /qr.png, their
// parameters, caching (ETag, If-None-Match → 304), errors, and the headers that keep an SVG inert.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { AS_BROWSER, api, clicksOf, createLink, follow, makeDataDir, startServer, waitFor } from './support.mjs';

let server;
let slug;
before(async () => {
  server = await startServer();
  const created = await createLink(server.base, { url: 'https://example.com/qr-target' });
  assert.equal(created.status, 201);
  slug = created.body.slug;
});
after(async () => {
  await server?.stop();
});

async function get(pathname, headers = {}, method = 'GET') {
  const res = await fetch(server.base + pathname, { method, headers, redirect: 'manual' });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, bytes, text: bytes.toString('utf8') };
}

// Width and height from a PNG's IHDR chunk.
function pngSize(bytes) {
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(bytes.subarray(12, 16).toString('latin1'), 'IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20), depth: bytes[24], colorType: bytes[25] };
}

describe('QR codes', () => {
  test('a scan of the served QR code is followed, counted as a scan apart from clicks, its marker not forwarded', async () => {
    const created = await createLink(server.base, { url: 'https://example.com/qr-scan?keep=1', forward_query: true });
    const scanned = created.body.slug;
    const png = await get(`/api/v1/links/${scanned}/qr.png?size=512`);
    assert.equal(png.status, 200);
    const file = path.join(makeDataDir(), 'qr.png');
    fs.writeFileSync(file, png.bytes);
    const zbar = spawnSync('zbarimg', ['--raw', '-q', file], { encoding: 'utf8' });
    assert.equal(zbar.status, 0, `zbarimg: ${zbar.stderr}`);
    const url = zbar.stdout.trim();
    assert.equal(url, `${created.body.short_url}?qr=1`);
    const scanned_path = new URL(url);
    const scan = await fetch(`${server.base}${scanned_path.pathname}${scanned_path.search}&utm_source=flyer`, { redirect: 'manual', ...AS_BROWSER });
    assert.equal(scan.status, 302);
    assert.equal(scan.headers.get('location'), 'https://example.com/qr-scan?keep=1&utm_source=flyer');
    await follow(server.base, scanned, AS_BROWSER);  // a plain click
    await waitFor(async () => (await clicksOf(server.base, scanned)) === 2, 5000, 'both stored');
    const stats = await api(server.base, `/api/v1/links/${scanned}/stats?interval=day`);
    assert.equal(stats.body.totals.clicks, 2);
    assert.equal(stats.body.totals.qr_scans, 1);
    assert.deepEqual(stats.body.sources.find((s) => s.key === 'qr'), { key: 'qr', clicks: 1, human_clicks: 1, bot_clicks: 0 });
    const rows = (await api(server.base, `/api/v1/links/${scanned}/clicks?format=ndjson`)).text.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(rows.map((r) => r.referrer_class).sort(), ['direct', 'qr']);
  });

  test('SVG: one path, viewBox in modules, size attributes, inert and cacheable', async () => {
    const r = await get(`/api/v1/links/${slug}/qr.svg`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'image/svg+xml');
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.headers.get('content-security-policy'), "default-src 'none'; style-src 'unsafe-inline'");
    assert.equal(r.headers.get('cache-control'), 'public, max-age=86400');
    assert.match(r.headers.get('etag'), /^"qr1-[0-9a-f]{16}"$/);
    assert.match(r.text, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="512" height="512" viewBox="0 0 (\d+) \1"/);
    // Version 1..3 for a short URL on loopback: 21..29 modules plus 2 × 4 of quiet zone.
    const modules = Number(/viewBox="0 0 (\d+)/.exec(r.text)[1]);
    assert.ok(modules >= 29 && modules <= 37 && (modules - 8 - 17) % 4 === 0, `viewBox ${modules}`);
    assert.equal(r.text.match(/<path /g).length, 1);
    assert.ok(!/script|href|on\w+=/i.test(r.text));
    assert.ok(r.bytes.length < 8 * 1024, `SVG is ${r.bytes.length} bytes`);
  });

  test('SVG parameters: size, margin, colours', async () => {
    const r = await get(`/api/v1/links/${slug}/qr.svg?size=100&margin=0&fg=%23112233&bg=ffeedd`);
    assert.equal(r.status, 200);
    assert.match(r.text, /width="100" height="100" viewBox="0 0 (\d+) \1"/);
    assert.match(r.text, /<rect [^>]*fill="#ffeedd"/);
    assert.match(r.text, /<path fill="#112233"/);
    // No quiet zone: the finder pattern's first row starts at the origin.
    assert.match(r.text, / d="M0 0h7v1h-7z/);
  });

  test('PNG: integer pixels per module, nearest to the requested size', async () => {
    for (const [size, margin] of [[512, 4], [300, 2], [64, 16], [2048, 0]]) {
      const r = await get(`/api/v1/links/${slug}/qr.png?size=${size}&margin=${margin}&ecc=H`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers.get('content-type'), 'image/png');
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(r.headers.get('cache-control'), 'public, max-age=86400');
      const { width, height, depth, colorType } = pngSize(r.bytes);
      assert.equal(width, height);
      assert.equal(depth, 8);
      assert.equal(colorType, 0, 'grayscale');
      // modules per side = width / scale for an integer scale >= 1, within half a module of the request
      const svg = await get(`/api/v1/links/${slug}/qr.svg?margin=${margin}&ecc=H`);
      const modules = Number(/viewBox="0 0 (\d+)/.exec(svg.text)[1]);
      assert.equal(width % modules, 0, `${width} px for ${modules} modules`);
      const scale = Math.max(1, Math.round(size / modules));
      assert.equal(width, scale * modules);
    }
  });

  test('PNG with colours uses a palette', async () => {
    const r = await get(`/api/v1/links/${slug}/qr.png?fg=%231a237e&bg=%23fff8e1`);
    assert.equal(r.status, 200);
    assert.equal(pngSize(r.bytes).colorType, 3, 'indexed colour');
  });

  test('ETag: If-None-Match → 304 without a body; other parameters → another ETag', async () => {
    const first = await get(`/api/v1/links/${slug}/qr.png?size=256`);
    const etag = first.headers.get('etag');
    const again = await get(`/api/v1/links/${slug}/qr.png?size=256`);
    assert.equal(again.headers.get('etag'), etag, 'stable');
    assert.deepEqual(again.bytes, first.bytes, 'deterministic output');
    const cached = await get(`/api/v1/links/${slug}/qr.png?size=256`, { 'If-None-Match': `"other", ${etag}` });
    assert.equal(cached.status, 304);
    assert.equal(cached.bytes.length, 0);
    assert.equal(cached.headers.get('etag'), etag);
    assert.equal(cached.headers.get('cache-control'), 'public, max-age=86400');
    assert.equal((await get(`/api/v1/links/${slug}/qr.png?size=256`, { 'If-None-Match': '*' })).status, 304);
    assert.equal((await get(`/api/v1/links/${slug}/qr.png?size=256`, { 'If-None-Match': `W/${etag}` })).status, 304);
    assert.equal((await get(`/api/v1/links/${slug}/qr.png?size=256`, { 'If-None-Match': '"nope"' })).status, 200);
    const etags = new Set([etag]);
    for (const q of ['size=257', 'size=256&margin=3', 'size=256&ecc=Q', 'size=256&fg=000001', 'size=256&bg=fffffe']) {
      etags.add((await get(`/api/v1/links/${slug}/qr.png?${q}`)).headers.get('etag'));
    }
    etags.add((await get(`/api/v1/links/${slug}/qr.svg?size=256`)).headers.get('etag'));
    assert.equal(etags.size, 7, 'every parameter and the format change the ETag');
  });

  test('HEAD: headers without a body', async () => {
    const r = await get(`/api/v1/links/${slug}/qr.png`, {}, 'HEAD');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'image/png');
    assert.ok(Number(r.headers.get('content-length')) > 100);
    assert.equal(r.bytes.length, 0);
  });

  test('invalid parameters → 400 invalid_qr_options naming the parameter', async () => {
    const cases = [
      ['size=63', 'size'], ['size=2049', 'size'], ['size=abc', 'size'], ['size=-100', 'size'], ['size=', 'size'],
      ['size=%2B512', 'size'], ['size=512.0', 'size'], ['margin=17', 'margin'], ['margin=-1', 'margin'],
      ['ecc=X', 'ecc'], ['ecc=MM', 'ecc'], ['fg=red', 'fg'], ['fg=%23fff', 'fg'], ['bg=12345g', 'bg'],
      ['fg=000000&bg=000000', 'fg'],
    ];
    for (const format of ['svg', 'png']) {
      for (const [query, param] of cases) {
        const r = await api(server.base, `/api/v1/links/${slug}/qr.${format}?${query}`);
        assert.equal(r.status, 400, `${query}: ${r.text}`);
        assert.equal(r.body.error.code, 'invalid_qr_options', query);
        assert.ok(r.body.error.message.includes(`"${param}"`), `${query}: ${r.body.error.message}`);
      }
    }
  });

  test('unknown slug → 404, deleted link → 410, method other than GET/HEAD → 405', async () => {
    assert.equal((await api(server.base, '/api/v1/links/no-such-link/qr.svg')).body.error.code, 'not_found');
    assert.equal((await api(server.base, '/api/v1/links/no.such/qr.png')).status, 404);
    const created = await createLink(server.base, { url: 'https://example.com/deleted-qr' });
    assert.equal((await get(`/api/v1/links/${created.body.slug}/qr.png`)).status, 200);
    assert.equal((await api(server.base, `/api/v1/links/${created.body.slug}`, { method: 'DELETE' })).status, 204);
    const gone = await api(server.base, `/api/v1/links/${created.body.slug}/qr.svg`);
    assert.equal(gone.status, 410);
    assert.equal(gone.body.error.code, 'gone');
    assert.equal((await api(server.base, `/api/v1/links/${slug}/qr.svg`, { method: 'POST' })).status, 405);
  });
});
