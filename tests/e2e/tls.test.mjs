// Issue #14, HTTPS: `serve` terminating TLS itself (SHORTENER_TLS_LISTEN) with certificates made here by the
// `openssl` CLI (a CA, two host certificates, a wildcard and a default): SNI picks the certificate, a replaced
// certificate is served without a restart (a broken one keeps the old), TLS 1.1 is refused; and the HTTPS policy:
// 308 to https for plain HTTP when the public URL is https, X-Forwarded-Proto believed from trusted proxies only,
// HSTS on HTTPS answers when configured, probes never redirected. Both modes (SHORTENER_E2E_DISTRIBUTED=1).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import tls from 'node:tls';

import { api, makeDataDir, startServer, waitFor } from './support.mjs';

const openssl = (...args) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });

// A CA and, in `dir`, `<stem>.crt|.key` signed by it for `names` (the first is the subject's CN), with `org` in
// the subject so that a replaced certificate can be told apart. Written beside and renamed: readers never see
// half a file.
function makeCa(dir) {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=shortener e2e CA', '-keyout', path.join(dir, 'ca.key.pem'), '-out', path.join(dir, 'ca.pem'));
  return { key: path.join(dir, 'ca.key.pem'), cert: path.join(dir, 'ca.pem') };
}

function issue(ca, work, dir, stem, names, org = 'first') {
  const key = path.join(work, `${stem}.key.tmp`);
  const csr = path.join(work, `${stem}.csr`);
  const crt = path.join(work, `${stem}.crt.tmp`);
  const ext = path.join(work, `${stem}.ext`);
  fs.writeFileSync(ext, `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\n`);
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj',
    `/O=${org}/CN=${names[0]}`, '-keyout', key, '-out', csr);
  openssl('x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '2',
    '-extfile', ext, '-out', crt);
  fs.renameSync(key, path.join(dir, `${stem}.key`));
  fs.renameSync(crt, path.join(dir, `${stem}.crt`));
}

// One TLS connection: the peer certificate's subject, or the error.
function handshake(port, options = {}) {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...options }, () => {
      const cert = socket.getPeerCertificate();
      const protocol = socket.getProtocol();
      socket.end();
      resolve({ subject: cert.subject, protocol });
    });
    socket.on('error', (error) => resolve({ error }));
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
  });
}

// An HTTPS request verified against the test CA; {status, headers, text, subject}.
function tlsRequest(port, pathname, { servername = 'a.test', method = 'GET', headers = {}, body, ca } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, servername, path: pathname, method, headers, ca,
      agent: false }, (res) => {
      const subject = res.socket.getPeerCertificate().subject;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text, subject }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function metric(base, name) {
  const text = (await api(base, '/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : undefined;
}

describe('HTTPS', () => {
  let certDir;
  let work;
  let ca;
  let caPem;
  let server;    // trusts 127.0.0.1 as a proxy, HSTS on
  let strict;    // trusts no proxy on loopback, HSTS off

  before(async () => {
    work = makeDataDir();
    certDir = path.join(work, 'certs');
    fs.mkdirSync(certDir);
    ca = makeCa(work);
    caPem = fs.readFileSync(ca.cert);
    issue(ca, work, certDir, 'a.test', ['a.test']);
    issue(ca, work, certDir, 'b.test', ['b.test']);
    issue(ca, work, certDir, '_.w.test', ['*.w.test']);
    issue(ca, work, certDir, 'default', ['default.test']);
    fs.writeFileSync(path.join(certDir, 'notes.txt'), 'not a certificate');
    const common = {
      SHORTENER_TLS_LISTEN: '127.0.0.1:0',
      SHORTENER_TLS_DIR: certDir,
      SHORTENER_PUBLIC_URL: 'https://s.test',
    };
    server = await startServer({ env: { ...common, SHORTENER_TRUSTED_PROXIES: '127.0.0.1/32',
      SHORTENER_HSTS_MAX_AGE: '31536000' } });
    strict = await startServer({ env: { ...common, SHORTENER_TRUSTED_PROXIES: '10.0.0.0/8' } });
    server.tlsPort = Number(server.listening.tls_port);
    strict.tlsPort = Number(strict.listening.tls_port);
  });

  after(async () => {
    await server?.stop();
    await strict?.stop();
  });

  test('SNI picks the exact host, then the wildcard, then the default', async () => {
    const cn = async (options) => (await handshake(server.tlsPort, options)).subject?.CN;
    assert.equal(await cn({ servername: 'a.test' }), 'a.test');
    assert.equal(await cn({ servername: 'B.TEST' }), 'b.test');
    assert.equal(await cn({ servername: 'x.w.test' }), '*.w.test');
    assert.equal(await cn({ servername: 'x.y.w.test' }), 'default.test', 'a wildcard covers one label only');
    assert.equal(await cn({ servername: 'w.test' }), 'default.test');
    assert.equal(await cn({ servername: 'unknown.example' }), 'default.test');
    assert.equal(await cn({}), 'default.test', 'no SNI (an IP address) gets the default');
    // And the chain verifies against the CA for the name asked for.
    const r = await tlsRequest(server.tlsPort, '/healthz', { servername: 'x.w.test', ca: caPem });
    assert.equal(r.status, 200);
    assert.equal(r.subject.CN, '*.w.test');
  });

  test('TLS 1.2 and 1.3 are served, TLS 1.1 is refused and counted', async () => {
    assert.equal((await handshake(server.tlsPort, { servername: 'a.test', maxVersion: 'TLSv1.2' })).protocol,
      'TLSv1.2');
    assert.equal((await handshake(server.tlsPort, { servername: 'a.test' })).protocol, 'TLSv1.3');
    const before = await metric(server.base, 'shortener_tls_handshake_failures_total');
    const old = await handshake(server.tlsPort, { servername: 'a.test', minVersion: 'TLSv1', maxVersion: 'TLSv1.1',
      ciphers: 'DEFAULT:@SECLEVEL=0' });
    assert.ok(old.error, 'a TLS 1.1 handshake must fail');
    await waitFor(async () => (await metric(server.base, 'shortener_tls_handshake_failures_total')) > before, 5000,
      'the handshake failure counted');
  });

  test('links are created and followed over TLS, with HSTS', async () => {
    const created = await tlsRequest(server.tlsPort, '/api/v1/links', { method: 'POST', ca: caPem,
      headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: 'https://example.com/tls' }) });
    assert.equal(created.status, 201, created.text);
    const slug = JSON.parse(created.text).slug;
    const r = await tlsRequest(server.tlsPort, `/${slug}`, { ca: caPem });
    assert.equal(r.status, 302);
    assert.equal(r.headers.location, 'https://example.com/tls');
    assert.equal(r.headers['strict-transport-security'], 'max-age=31536000');
    const noHsts = await tlsRequest(strict.tlsPort, `/${slug}`, { ca: caPem });
    assert.equal(noHsts.headers['strict-transport-security'], undefined, 'HSTS off by default');
  });

  test('plain HTTP gets 308 to the https public URL with the same path and query; probes do not', async () => {
    const r = await api(server.base, '/some-slug?utm_source=x&a=%20b');
    assert.equal(r.status, 308);
    assert.equal(r.headers.get('location'), 'https://s.test/some-slug?utm_source=x&a=%20b');
    assert.equal(r.headers.get('strict-transport-security'), null, 'never HSTS over plain HTTP');
    const post = await api(server.base, '/api/v1/links', { method: 'POST', json: { url: 'https://example.com/' } });
    assert.equal(post.status, 308, 'a POST keeps its method and body through 308');
    for (const probe of ['/healthz', '/readyz', '/metrics']) {
      const p = await api(server.base, probe);
      assert.equal(p.status, 200, probe);
      assert.equal(p.headers.get('strict-transport-security'), null, probe);
    }
  });

  test('X-Forwarded-Proto: https counts from a trusted proxy only', async () => {
    const proxied = await api(server.base, '/healthz-not?x=1', { headers: { 'x-forwarded-proto': 'https' } });
    assert.notEqual(proxied.status, 308, 'a TLS-terminating proxy in front causes no redirect loop');
    assert.equal(proxied.headers.get('strict-transport-security'), 'max-age=31536000');
    const spoofed = await api(strict.base, '/healthz-not?x=1', { headers: { 'x-forwarded-proto': 'https' } });
    assert.equal(spoofed.status, 308, 'an untrusted client cannot skip the redirect');
    const plainFromProxy = await api(server.base, '/x', { headers: { 'x-forwarded-proto': 'http' } });
    assert.equal(plainFromProxy.status, 308);
  });

  test('behind a load balancer that is not trusted, an https public URL redirects nothing (no loop)', async () => {
    // No TLS listener and no trusted proxy: HTTPS cannot be told from plain HTTP, so plain requests are served
    // (a TLS-terminating balancer in front would otherwise be sent to https forever) and a warning says why.
    const lb = await startServer({ env: { SHORTENER_PUBLIC_URL: 'https://s.test' } });
    try {
      const created = await api(lb.base, '/api/v1/links', { method: 'POST', json: { url: 'https://example.com/lb' } });
      assert.equal(created.status, 201, created.text);
      assert.ok(created.body.short_url.startsWith('https://s.test/'));
      const r = await api(lb.base, `/${created.body.slug}`);
      assert.equal(r.status, 302);
      assert.ok(lb.logs().some((l) => l.msg === 'https_redirect_off'), 'a startup warning names the cause');
    } finally {
      await lb.stop();
    }
  });

  test('a replaced certificate is served without a restart; a broken one keeps the old', async () => {
    issue(ca, work, certDir, 'a.test', ['a.test'], 'second');
    await waitFor(async () => (await handshake(server.tlsPort, { servername: 'a.test' })).subject?.O === 'second',
      8000, 'the new certificate for a.test');
    const r = await tlsRequest(server.tlsPort, '/healthz', { servername: 'a.test', ca: caPem });
    assert.equal(r.subject.O, 'second');

    const failuresBefore = await metric(server.base, 'shortener_tls_certificate_load_failures_total');
    fs.writeFileSync(path.join(certDir, 'b.test.crt.tmp'), '-----BEGIN CERTIFICATE-----\nbroken\n');
    fs.renameSync(path.join(certDir, 'b.test.crt.tmp'), path.join(certDir, 'b.test.crt'));
    await server.waitForLog((e) => e.msg === 'tls_certificate_invalid' && e.name === 'b.test', 8000);
    assert.ok((await metric(server.base, 'shortener_tls_certificate_load_failures_total')) > failuresBefore);
    assert.equal((await handshake(server.tlsPort, { servername: 'b.test' })).subject?.CN, 'b.test',
      'the previous b.test certificate stays in use');
    // Fixed again: picked up.
    issue(ca, work, certDir, 'b.test', ['b.test'], 'fixed');
    await waitFor(async () => (await handshake(server.tlsPort, { servername: 'b.test' })).subject?.O === 'fixed',
      8000, 'the fixed certificate for b.test');
    // A new host's files are picked up too.
    issue(ca, work, certDir, 'c.test', ['c.test']);
    await waitFor(async () => (await handshake(server.tlsPort, { servername: 'c.test' })).subject?.CN === 'c.test',
      8000, 'the new c.test certificate');
  });
});
