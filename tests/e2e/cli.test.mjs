// The command line: --help, version, bad flags and bad settings.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { runCli, startServer } from './support.mjs';

const SETTINGS = [
  'SHORTENER_LISTEN',
  'SHORTENER_PUBLIC_URL',
  'SHORTENER_DATA_DIR',
  'DATABASE_URL',
  'REDIS_URL',
  'SHORTENER_THREADS',
  'SHORTENER_MAX_CONNECTIONS',
  'SHORTENER_MAX_BODY_BYTES',
  'SHORTENER_MAX_HEADER_BYTES',
  'SHORTENER_REQUEST_TIMEOUT_MS',
  'SHORTENER_IDLE_TIMEOUT_MS',
  'SHORTENER_LOG_LEVEL',
];

describe('shortener CLI', () => {
  test('--help prints every setting and exits 0', () => {
    const r = runCli(['--help']);
    assert.equal(r.status, 0, r.stderr);
    for (const s of SETTINGS) assert.ok(r.stdout.includes(s), `--help mentions ${s}`);
    assert.match(r.stdout, /serve/);
  });

  test('serve --help prints the same help and exits 0 without serving', () => {
    const r = runCli(['serve', '--help']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.includes('SHORTENER_LISTEN'));
  });

  test('version prints "shortener <version>"', () => {
    const r = runCli(['version']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout.trim(), /^shortener \d+\.\d+\.\d+\S*$/);
  });

  test('unknown flag → exit 2 with a one-line message on stderr', () => {
    const r = runCli(['serve', '--nope']);
    assert.equal(r.status, 2);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line: ${JSON.stringify(r.stderr)}`);
    assert.match(lines[0], /--nope/);
    assert.equal(r.stdout, '');
  });

  test('unknown command → exit 2 with a message on stderr', () => {
    const r = runCli(['frobnicate']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /frobnicate/);
  });

  for (const [name, env] of [
    ['SHORTENER_THREADS=abc', { SHORTENER_THREADS: 'abc' }],
    ['SHORTENER_THREADS=-1', { SHORTENER_THREADS: '-1' }],
    ['SHORTENER_MAX_CONNECTIONS=0', { SHORTENER_MAX_CONNECTIONS: '0' }],
    ['SHORTENER_LISTEN=nonsense', { SHORTENER_LISTEN: 'nonsense' }],
    ['SHORTENER_LISTEN port 70000', { SHORTENER_LISTEN: '127.0.0.1:70000' }],
    ['SHORTENER_PUBLIC_URL without scheme', { SHORTENER_PUBLIC_URL: 'sho.rt' }],
    ['SHORTENER_LOG_LEVEL=loud', { SHORTENER_LOG_LEVEL: 'loud' }],
  ]) {
    test(`bad value ${name} → exit 2 naming the setting`, () => {
      const r = runCli(['serve'], { env });
      assert.equal(r.status, 2, `stderr: ${r.stderr}`);
      const setting = Object.keys(env)[0];
      assert.ok(r.stderr.includes(setting), `stderr names ${setting}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${JSON.stringify(r.stderr)}`);
    });
  }

  test('bad flag value --threads=abc → exit 2', () => {
    const r = runCli(['serve', '--threads=abc']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /THREADS|threads/);
  });

  test('flags configure the server like the environment does', async (t) => {
    const server = await startServer({ args: ['--public-url', 'https://sho.rt'] });
    t.after(() => server.stop());
    const res = await fetch(`${server.base}/api/v1/links`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://example.com/flag' }),
    });
    const body = await res.json();
    assert.equal(res.status, 201);
    assert.equal(body.short_url, `https://sho.rt/${body.slug}`);
    // And the public host is now the redirect-loop host.
    const loop = await fetch(`${server.base}/api/v1/links`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://sho.rt/abc' }),
    });
    assert.equal(loop.status, 400);
    assert.equal((await loop.json()).error.code, 'redirect_loop');
  });

  test('SHORTENER_PUBLIC_URL sets short_url', async (t) => {
    const server = await startServer({ env: { SHORTENER_PUBLIC_URL: 'https://s.example/' } });
    t.after(() => server.stop());
    const res = await fetch(`${server.base}/api/shorten`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'https://example.com/env' }),
    });
    const body = await res.json();
    assert.equal(res.status, 201);
    assert.equal(body.shortUrl, `https://s.example/${body.slug}`);
  });
});
