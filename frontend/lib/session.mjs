// Sign-in logic without React or the DOM (tested by tests/unit/session.test.mjs): where to go after login,
// the CSRF token, the stats token of an anonymous link, and what the session endpoint's answer means.

// Under /app/: the server (static_handler.cpp) and the Ingress send only /, /app/* and /_next/* to the UI.
export const LOGIN_PATH = '/app/login/';
export const SIGNUP_PATH = '/app/signup/';
export const DEFAULT_NEXT = '/app/links/';

/** What the UI assumes when the server has no session endpoint (auth not built, 404) or cannot answer. */
export const NO_AUTH_SESSION = Object.freeze({
  mode: 'none', signup: false, anonymous_shortening: false, password_login: true, sso: null, user: null, csrf_token: null,
});

/**
 * The session answer's `sso` (single sign-on, docs/sso.md): {name, login_url} with a same-site login URL under
 * /api/, or null. The name is shown as text ("Sign in with …"), capped so a misconfiguration cannot flood the page.
 */
export function parseSso(sso) {
  if (!sso || typeof sso !== 'object' || typeof sso.name !== 'string' || typeof sso.login_url !== 'string') return null;
  if (!sso.login_url.startsWith('/api/') || sso.login_url.startsWith('//')) return null;
  const name = sso.name.trim().slice(0, 60);
  return { name: name || 'SSO', login_url: sso.login_url };
}

/** The sentence for /app/login/?sso_error=<code> (the single sign-on callback's failure), or null. */
export function ssoErrorSentence(code) {
  switch (code) {
    case 'sso_state_invalid': return 'That sign-in expired or was started in another browser. Try again.';
    case 'sso_failed': return 'The identity provider did not sign you in. Try again.';
    case 'sso_not_allowed': return 'There is no account for you here yet. Ask an administrator.';
    case 'sso_unavailable': return 'The identity provider cannot be reached. Try again later.';
    default: return null;
  }
}

/**
 * The `next` of /app/login/?next=… as a same-origin path, or `fallback`. Only a relative path that starts with a
 * single "/" is honoured: "//evil.example", "/\\evil.example", "https://…", "javascript:…" and anything with
 * control characters or backslashes would let a link to our login page send the user elsewhere (open
 * redirect). A `next` that points back at the login or sign-up page gives `fallback` (no loop).
 */
export function safeNext(next, fallback = DEFAULT_NEXT) {
  if (typeof next !== 'string' || next.length === 0 || next.length > 2048) return fallback;
  if (next[0] !== '/' || next[1] === '/' || next[1] === '\\') return fallback;
  // Backslashes count as slashes in browsers' URL parsing; control characters and blanks are stripped by it.
  if (/[\\\u0000-\u0020\u007f]/.test(next)) return fallback;
  let u;
  try { u = new URL(next, 'http://same.invalid'); } catch { return fallback; }
  if (u.origin !== 'http://same.invalid') return fallback;
  const p = u.pathname.replace(/\/?$/, '/');
  if (p === LOGIN_PATH || p === SIGNUP_PATH) return fallback;
  return u.pathname + u.search + u.hash;
}

/** /app/login/?next=<path> for the page the user is on (path + query; the fragment stays out of it). */
export function loginHref(current) {
  const next = safeNext(current, '');
  return next ? `${LOGIN_PATH}?next=${encodeURIComponent(next.replace(/#.*$/, ''))}` : LOGIN_PATH;
}

/** The value of the `shortener_csrf` cookie in a `document.cookie` string, or null. */
export function csrfFromCookie(cookie) {
  if (typeof cookie !== 'string') return null;
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== 'shortener_csrf') continue;
    const v = part.slice(eq + 1).trim();
    if (!v) return null;
    try { return decodeURIComponent(v); } catch { return v; }
  }
  return null;
}

/** Shape of a stats token ("st_" and URL-safe characters); anything else from a fragment is ignored. */
export function isStatsToken(t) {
  return typeof t === 'string' && /^st_[A-Za-z0-9_-]{8,200}$/.test(t);
}

/** The stats token in a location fragment ("#token=st_…"), or null. */
export function tokenFromFragment(hash) {
  if (typeof hash !== 'string') return null;
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const t = params.get('token');
  return isStatsToken(t) ? t : null;
}

/**
 * The dashboard of a link. A stats token goes in the fragment, never the query: browsers do not send the
 * fragment to the server, so it stays out of request logs and of the Referer of links followed from the page.
 */
export function dashboardHref(slug, token) {
  const base = `/app/link/?slug=${encodeURIComponent(slug)}`;
  return isStatsToken(token) ? `${base}#token=${encodeURIComponent(token)}` : base;
}

/** The session endpoint's answer, checked; NO_AUTH_SESSION for anything that is not one. */
export function parseSession(body) {
  if (!body || typeof body !== 'object' || (body.mode !== 'none' && body.mode !== 'required')) return NO_AUTH_SESSION;
  const u = body.user;
  const user = u && typeof u === 'object' && typeof u.email === 'string'
    ? { id: u.id, email: u.email, is_admin: u.is_admin === true } : null;
  return {
    mode: body.mode,
    signup: body.signup === true,
    anonymous_shortening: body.anonymous_shortening === true,
    password_login: body.password_login !== false,
    sso: parseSso(body.sso),
    user,
    csrf_token: typeof body.csrf_token === 'string' && body.csrf_token ? body.csrf_token : null,
  };
}

/**
 * What a page does with a session: 'show' it, or send the user to 'login'. `anonymousOk` pages (the home page)
 * also stay when the server allows anonymous shortening.
 */
export function sessionGate(session, { anonymousOk = false } = {}) {
  if (!session || session.mode !== 'required' || session.user) return 'show';
  if (anonymousOk && session.anonymous_shortening) return 'show';
  return 'login';
}

/** Retry-After header (delta-seconds or HTTP date) → whole seconds to wait, or null. */
export function retryAfterSeconds(header, now = Date.now()) {
  if (typeof header !== 'string' || !header.trim()) return null;
  const v = header.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const t = Date.parse(v);
  if (Number.isNaN(t)) return null;
  return Math.max(0, Math.ceil((t - now) / 1000));
}

/** "Try again in 1 minute 5 seconds." for a wait; a generic sentence when unknown. */
export function waitSentence(seconds) {
  if (seconds == null || !Number.isFinite(seconds)) return 'Wait a moment and try again.';
  const s = Math.max(1, Math.ceil(seconds));
  const m = Math.floor(s / 60);
  const r = s % 60;
  const parts = [];
  if (m) parts.push(`${m} minute${m === 1 ? '' : 's'}`);
  if (r) parts.push(`${r} second${r === 1 ? '' : 's'}`);
  return `Try again in ${parts.join(' ')}.`;
}

/** API key scopes, in the order the UI lists them. */
export const SCOPES = [
  { id: 'links:write', label: 'Create and edit links' },
  { id: 'links:read', label: 'List and read links' },
  { id: 'stats:read', label: 'Read statistics' },
  { id: 'admin', label: 'Admin (everything, every owner\u2019s links)' },
];

/** The body of POST /api/v1/keys from the form, or the form's error. */
// The syntax of a key's rate limit, as the server parses it: "N/s", "N/min" or "N/h" with an optional
// " burst M", a plain number (per minute), or "off".
const RATE_LIMIT_RE = /^(?:off|(?:\d+(?:\.\d+)?)(?:\s*\/\s*(?:s|sec|second|m|min|minute|h|hour))?(?:\s+burst\s+[1-9]\d{0,6})?)$/;

/**
 * A rate-limit field's value for the API: `null` for an empty field (the server's default), the trimmed text
 * when it looks like a limit, else an error message.
 */
export function rateLimitValue(text) {
  const t = typeof text === 'string' ? text.trim() : '';
  if (!t) return { value: null };
  if (t.length > 64 || !RATE_LIMIT_RE.test(t) || /^0+(\.0+)?\s*\//.test(t)) {
    return { error: 'Use e.g. "100/s burst 1000", "6000/min" or "off"; leave it empty for the default.' };
  }
  return { value: t };
}

export function keyRequest(name, scopes, rateLimit = '') {
  const n = typeof name === 'string' ? name.trim() : '';
  if (!n) return { error: { field: 'name', message: 'Give the key a name, e.g. where it is used.' } };
  if (n.length > 100) return { error: { field: 'name', message: 'Use at most 100 characters.' } };
  const known = SCOPES.map((s) => s.id);
  const chosen = known.filter((s) => (scopes ?? []).includes(s));
  if (chosen.length === 0) return { error: { field: 'scopes', message: 'Choose at least one scope.' } };
  const limit = rateLimitValue(rateLimit);
  if (limit.error) return { error: { field: 'rate_limit', message: limit.error } };
  return { body: limit.value === null ? { name: n, scopes: chosen } : { name: n, scopes: chosen, rate_limit: limit.value } };
}
