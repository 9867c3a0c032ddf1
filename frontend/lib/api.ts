import { errorMessage } from './logic.mjs';
import { csrfFromCookie, LOGIN_PATH, loginHref, NO_AUTH_SESSION, parseSession, retryAfterSeconds, SIGNUP_PATH, waitSentence, type Session } from './session.mjs';

export type Targeting = { ios: string | null; android: string | null; countries: Record<string, string> };
export type Link = {
  slug: string; short_url: string; long_url: string; created_at: string; updated_at: string;
  expires_at: string | null; max_clicks: number | null; redirect_type: number; tags: string[]; clicks: number;
  human_clicks?: number;  // clicks that are not bots (absent on servers that predate it)
  // Link management (issue #7); absent on servers that predate it.
  disabled?: boolean; expired_url?: string | null; forward_query?: boolean; password_protected?: boolean;
  targeting?: Targeting | null;
  // Social preview (issue #17); absent on servers that predate it.
  og_title?: string | null; og_description?: string | null; og_image?: string | null;
  stats_token?: string;  // only in the answer to an anonymous creation
  // Destination health (issue #15, docs/health.md); absent on servers that predate it.
  broken?: boolean;
  health?: { status: 'unknown' | 'ok' | 'broken'; checked_at: string | null; status_code: number | null;
    final_url: string | null; error: string | null };
};
export type Destination = { key: string; route: string; clicks: number; human_clicks: number; bot_clicks: number; unique_visitors: number };
export type Bucket = { key: string; class?: string; clicks: number; human_clicks: number; bot_clicks: number };
export type Totals = { clicks: number; human_clicks: number; bot_clicks: number; unique_visitors: number | null; qr_scans?: number };
export type Stats = {
  slug: string; from: string; to: string; interval: string; tz: string; bots: string; totals: Totals;
  timeseries: { t: string; clicks: number; unique_visitors: number | null }[];
  countries?: Bucket[]; regions?: Bucket[]; cities?: Bucket[]; referrers?: Bucket[]; sources?: Bucket[];
  browsers?: Bucket[]; os?: Bucket[]; devices?: Bucket[]; languages?: Bucket[];
  // UTM breakdowns (issue #17): only clicks that carried a utm_* parameter (the visit's, else the destination's).
  utm?: { source?: Bucket[]; medium?: Bucket[]; campaign?: Bucket[]; term?: Bucket[]; content?: Bucket[] };
  destinations?: Destination[];
};
export type ApiKey = {
  id: number; name: string; prefix: string; scopes: string[]; created_at: string; last_used_at: string | null;
  revoked_at: string | null; rate_limit: string | null; key?: string;
};

export class ApiError extends Error {
  constructor(public status: number, message: string, public code: string | null = null,
    public retryAfter: number | null = null, public serverMessage = '') { super(message); }
}

// ---- Session: fetched once per page load, shared by the header and the pages (useSession). ----
let session: Session | null = null;
let loading: Promise<Session> | null = null;
const listeners = new Set<() => void>();

export function getSession(): Session | null { return session; }
export function setSession(s: Session) { session = s; listeners.forEach((l) => l()); }
export function subscribeSession(l: () => void) { listeners.add(l); return () => { listeners.delete(l); }; }

/** GET /api/v1/auth/session. A server without it (404) or without an answer is treated as auth mode none. */
export function loadSession(force = false): Promise<Session> {
  if (!loading || force) {
    loading = fetch('/api/v1/auth/session', { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } })
      .then(async (r) => (r.ok ? parseSession(await r.json()) : NO_AUTH_SESSION))
      .catch(() => NO_AUTH_SESSION)
      .then((s) => { setSession(s); return s; });
  }
  return loading;
}

function csrfToken(): string | null {
  return session?.csrf_token ?? (typeof document === 'undefined' ? null : csrfFromCookie(document.cookie));
}

/** Full navigation to the login page, coming back here afterwards. */
export function goToLogin() {
  const here = window.location.pathname;
  if (here.startsWith(LOGIN_PATH) || here.startsWith(SIGNUP_PATH)) return;
  window.location.assign(loginHref(here + window.location.search));
}

export type ApiInit = RequestInit & {
  /** What a 401 does: 'login' (default) sends the user to the login page; 'throw' only throws. */
  on401?: 'login' | 'throw';
};

/**
 * A JSON API call with the session cookie; writes carry X-CSRF-Token. Errors become ApiError with a plain
 * message, the API's code, and Retry-After in seconds.
 */
export async function api<T>(path: string, init?: ApiInit): Promise<T> {
  const { on401 = 'login', ...rest } = init ?? {};
  const method = (rest.method ?? 'GET').toUpperCase();
  const headers: Record<string, string> = { Accept: 'application/json', ...((rest.headers as Record<string, string>) ?? {}) };
  if (method !== 'GET' && method !== 'HEAD') {
    const t = csrfToken();
    if (t) headers['X-CSRF-Token'] = t;
  }
  let res: Response;
  try {
    res = await fetch(path, { ...rest, headers, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, errorMessage(0, null));
  }
  let body: unknown = null;
  const text = await res.text();
  if (text) { try { body = JSON.parse(text); } catch { body = null; } }
  if (!res.ok) {
    const e = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
    const code = typeof e?.code === 'string' ? e.code : null;
    if (res.status === 401 && on401 === 'login') goToLogin();
    const retryAfter = retryAfterSeconds(res.headers.get('Retry-After'));
    const message = code === 'rate_limited' && retryAfter != null
      ? `Too many requests. ${waitSentence(retryAfter)}` : errorMessage(res.status, body);
    throw new ApiError(res.status, message, code, retryAfter, typeof e?.message === 'string' ? e.message : '');
  }
  return body as T;
}
