import test from 'node:test';
import assert from 'node:assert/strict';
import {
  safeNext, loginHref, csrfFromCookie, tokenFromFragment, dashboardHref, parseSession, sessionGate,
  retryAfterSeconds, waitSentence, keyRequest, rateLimitValue, NO_AUTH_SESSION, DEFAULT_NEXT, ssoErrorSentence,
} from '../../lib/session.mjs';

test('safeNext keeps same-origin relative paths', () => {
  assert.equal(safeNext('/app/links/'), '/app/links/');
  assert.equal(safeNext('/app/link/?slug=abc&range=30'), '/app/link/?slug=abc&range=30');
  assert.equal(safeNext('/app/keys/#x'), '/app/keys/#x');
  assert.equal(safeNext('/a/../app/keys/'), '/app/keys/');  // normalised, still ours
});

test('safeNext refuses open redirects and loops', () => {
  for (const bad of [
    'https://evil.example/', '//evil.example/x', '/\\evil.example', '\\\\evil.example', 'javascript:alert(1)',
    'evil.example', '', null, undefined, 42, '/\t/evil.example', '/ /evil.example', ' /app/', '/app\\..\\',
    `/${'a'.repeat(3000)}`, 'http:/evil.example', '/app/login/?next=/app/', '/app/signup/', '/app/login',
  ]) {
    assert.equal(safeNext(bad), DEFAULT_NEXT, `refused: ${JSON.stringify(bad)}`);
  }
  assert.equal(safeNext('//evil.example', '/'), '/');
  // Percent-encoded slashes stay in the path: the browser does not decode them into an authority.
  assert.equal(safeNext('/%2F%2Fevil.example'), '/%2F%2Fevil.example');
});

test('loginHref carries the page (not its fragment) as next', () => {
  assert.equal(loginHref('/app/link/?slug=a%20b'), '/app/login/?next=%2Fapp%2Flink%2F%3Fslug%3Da%2520b');
  assert.equal(loginHref('/app/keys/#token=st_x'), '/app/login/?next=%2Fapp%2Fkeys%2F');
  assert.equal(loginHref('/app/login/'), '/app/login/');
  assert.equal(loginHref('//evil'), '/app/login/');
  assert.equal(safeNext(new URLSearchParams(loginHref('/app/link/?slug=x').split('?')[1]).get('next')), '/app/link/?slug=x');
});

test('csrfFromCookie', () => {
  assert.equal(csrfFromCookie('a=1; shortener_csrf=tok%2Bx; b=2'), 'tok+x');
  assert.equal(csrfFromCookie('shortener_csrf=abc'), 'abc');
  assert.equal(csrfFromCookie('xshortener_csrf=abc; shortener_csrfx=1'), null);
  assert.equal(csrfFromCookie('shortener_csrf='), null);
  assert.equal(csrfFromCookie(''), null);
  assert.equal(csrfFromCookie(undefined), null);
});

test('stats token from the fragment, dashboard link keeps it out of the query', () => {
  const t = 'st_AbC123xyz_-AbC123xyz';
  assert.equal(tokenFromFragment(`#token=${t}`), t);
  assert.equal(tokenFromFragment(`#range=7&token=${t}`), t);
  assert.equal(tokenFromFragment('#token=sk_notastatstoken1234'), null);
  assert.equal(tokenFromFragment('#token=st_<script>'), null);
  assert.equal(tokenFromFragment(''), null);
  assert.equal(tokenFromFragment(undefined), null);
  const href = dashboardHref('a-b', t);
  assert.equal(href, `/app/link/?slug=a-b#token=${t}`);
  assert.ok(!href.split('#')[0].includes(t));
  assert.equal(dashboardHref('x y', null), '/app/link/?slug=x%20y');
  assert.equal(dashboardHref('x', 'garbage'), '/app/link/?slug=x');
});

test('parseSession and the page gate', () => {
  assert.deepEqual(parseSession(null), NO_AUTH_SESSION);
  assert.deepEqual(parseSession({ error: { code: 'not_found' } }), NO_AUTH_SESSION);
  const s = parseSession({ mode: 'required', signup: true, anonymous_shortening: false,
    user: { id: 3, email: 'a@b.c', is_admin: false }, csrf_token: 'c1', extra: 1 });
  assert.deepEqual(s, { mode: 'required', signup: true, anonymous_shortening: false, password_login: true, sso: null,
    user: { id: 3, email: 'a@b.c', is_admin: false }, csrf_token: 'c1' });
  assert.equal(sessionGate(s), 'show');
  const anon = parseSession({ mode: 'required', signup: false, anonymous_shortening: true, user: null, csrf_token: null });
  assert.equal(sessionGate(anon), 'login');
  assert.equal(sessionGate(anon, { anonymousOk: true }), 'show');
  assert.equal(sessionGate({ ...anon, anonymous_shortening: false }, { anonymousOk: true }), 'login');
  assert.equal(sessionGate(parseSession({ mode: 'none', user: null })), 'show');
  assert.equal(sessionGate(null), 'show');
});

test('Retry-After and the wait sentence', () => {
  assert.equal(retryAfterSeconds('30'), 30);
  assert.equal(retryAfterSeconds('Sat, 28 Nov 2026 10:00:30 GMT', Date.parse('2026-11-28T10:00:00Z')), 30);
  assert.equal(retryAfterSeconds('soon'), null);
  assert.equal(retryAfterSeconds(null), null);
  assert.equal(waitSentence(1), 'Try again in 1 second.');
  assert.equal(waitSentence(65), 'Try again in 1 minute 5 seconds.');
  assert.equal(waitSentence(120), 'Try again in 2 minutes.');
  assert.equal(waitSentence(null), 'Wait a moment and try again.');
});

test('keyRequest', () => {
  assert.deepEqual(keyRequest('  ci ', ['stats:read', 'links:read', 'bogus']), { body: { name: 'ci', scopes: ['links:read', 'stats:read'] } });
  assert.equal(keyRequest(' ', ['links:read']).error.field, 'name');
  assert.equal(keyRequest('x', []).error.field, 'scopes');
  assert.equal(keyRequest('x'.repeat(101), ['admin']).error.field, 'name');
  // A rate limit of the key's own: sent only when given, checked before sending.
  assert.deepEqual(keyRequest('ci', ['links:read'], ' 100/s burst 1000 '),
    { body: { name: 'ci', scopes: ['links:read'], rate_limit: '100/s burst 1000' } });
  assert.deepEqual(keyRequest('ci', ['links:read'], '  '), { body: { name: 'ci', scopes: ['links:read'] } });
  assert.equal(keyRequest('ci', ['links:read'], '10/fortnight').error.field, 'rate_limit');
});

test('rateLimitValue accepts what the server accepts', () => {
  for (const ok of ['100/s burst 1000', '2/s burst 3', '6000/min', '10000/h', '1000/h burst 50', '30', '0.5/s', 'off']) {
    assert.equal(rateLimitValue(ok).value, ok, ok);
  }
  assert.equal(rateLimitValue('').value, null);
  assert.equal(rateLimitValue(' \t').value, null);
  for (const bad of ['10/fortnight', 'fast', '10/s burst', '10/s burst 0', '-1/s', '/s', '0/s', '10 per second',
    '1e9/s', `${'9'.repeat(70)}/s`, '<script>']) {
    assert.ok(rateLimitValue(bad).error, bad);
  }
});

test('parseSession reads single sign-on and password login', () => {
  const s = parseSession({ mode: 'required', password_login: false, user: null, csrf_token: null,
    sso: { name: 'Example ID', login_url: '/api/v1/auth/oidc/login' } });
  assert.equal(s.password_login, false);
  assert.deepEqual(s.sso, { name: 'Example ID', login_url: '/api/v1/auth/oidc/login' });
  for (const bad of [null, 'x', { name: 'a' }, { name: 'a', login_url: 'https://evil.example/' },
    { name: 'a', login_url: '//evil.example/api/' }, { name: 1, login_url: '/api/x' }]) {
    assert.equal(parseSession({ mode: 'required', sso: bad }).sso, null, JSON.stringify(bad));
  }
  assert.equal(parseSession({ mode: 'required', sso: { name: 'x'.repeat(500), login_url: '/api/x' } }).sso.name.length, 60);
  assert.equal(ssoErrorSentence('sso_not_allowed'), 'There is no account for you here yet. Ask an administrator.');
  assert.equal(ssoErrorSentence('<script>'), null);
});
