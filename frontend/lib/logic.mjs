// The UI's own logic, free of React and the DOM so node:test can check it (tests/unit/).

/** Regional-indicator flag emoji for an ISO 3166-1 alpha-2 code; '' for unknown. */
export function countryFlag(code) {
  if (typeof code !== 'string' || !/^[A-Za-z]{2}$/.test(code)) return '';
  const up = code.toUpperCase();
  if (up === 'XX' || up === 'ZZ') return '';
  return String.fromCodePoint(...[...up].map((c) => 0x1f1e6 + c.charCodeAt(0) - 65));
}

/** 1234567 → "1,234,567" (en-US grouping, stable across locales for tests). null or undefined (a figure the
 * server cannot give) → "—", never a false "0". */
export function formatCount(n) {
  if (n === null || n === undefined) return '—';
  if (typeof n !== 'number' || !Number.isFinite(n)) return '0';
  return Math.round(n).toLocaleString('en-US');
}

/** A link's click count as the UI shows it: people only unless bots are included (servers that predate
 * human_clicks give only `clicks`). */
export function linkClicks(link, includeBots) {
  if (includeBots || typeof link?.human_clicks !== 'number') return link?.clicks ?? 0;
  return link.human_clicks;
}

/** Share of a total as "12.5%" ("0%" when the total is 0). */
export function formatShare(part, total) {
  if (!total) return '0%';
  const p = (100 * part) / total;
  return `${p >= 10 || p === 0 ? Math.round(p) : p.toFixed(1)}%`;
}

/** "2026-11-28T06:39:50.123Z" → "Nov 28, 2026" (UTC). */
export function formatDate(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleDateString('en-US', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
}

/**
 * Label of a time-series bucket. The API sends local times with an offset ("2026-11-28T00:00:00+01:00");
 * the label reads the wall-clock part so it shows the bucket in the chosen zone, whatever the browser's.
 */
export function bucketLabel(t, interval) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(t || '');
  if (!m) return '';
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const [, y, mo, d, h, mi] = m;
  const mon = months[Number(mo) - 1];
  switch (interval) {
    case 'minute':
    case 'hour':
      return `${mon} ${Number(d)} ${h}:${mi}`;
    case 'week':
      return `Week of ${mon} ${Number(d)}`;
    case 'month':
      return `${mon} ${y}`;
    default:
      return `${mon} ${Number(d)}, ${y}`;
  }
}

/** The interval the API accepts for a range, keeping the bucket count reasonable. */
export function defaultInterval(rangeDays) {
  if (rangeDays <= 1) return 'hour';
  if (rangeDays <= 90) return 'day';
  if (rangeDays <= 400) return 'week';
  return 'month';
}

/** Intervals that make sense for a range (the server caps buckets). */
export function intervalsFor(rangeDays) {
  const all = ['minute', 'hour', 'day', 'week', 'month'];
  const perDay = { minute: 1440, hour: 24, day: 1, week: 1 / 7, month: 1 / 30 };
  return all.filter((i) => rangeDays * perDay[i] <= 2000 && rangeDays * perDay[i] >= 1);
}

/** Stats query string for the dashboard. */
export function statsQuery({ rangeDays, interval, tz, bots, now = Date.now() }) {
  const to = new Date(now);
  const from = new Date(now - rangeDays * 86400000);
  const p = new URLSearchParams({
    from: from.toISOString(),
    to: to.toISOString(),
    interval,
    tz,
    bots: bots ? 'include' : 'exclude',
    limit: '10',
  });
  return p.toString();
}

/** API error body → one plain sentence for the user. */
export function errorMessage(status, body) {
  const e = body && typeof body === 'object' ? body.error : null;
  const code = e && e.code;
  const plain = {
    url_required: 'Paste a URL to shorten.',
    invalid_url: 'That does not look like a web address. It should start with http:// or https://.',
    url_too_long: 'That URL is too long.',
    slug_taken: 'That short name is already in use. Try another.',
    slug_reserved: 'That short name is reserved. Try another.',
    invalid_slug: 'Short names use 3–64 letters, digits, "_" or "-".',
    rate_limited: 'Too many requests. Wait a moment and try again.',
    not_found: 'No such link.',
    gone: 'This link was deleted.',
    unauthorized: 'Please sign in again.',
    csrf_failed: 'Your session expired in this tab. Reload the page and try again.',
    forbidden: 'You are not allowed to do that.',
    insufficient_scope: 'You are not allowed to do that.',
    invalid_credentials: 'Wrong email or password.',
    email_taken: 'An account with this email already exists. Sign in instead.',
    signup_closed: 'Sign-up is closed on this server. Ask an administrator for an account.',
    invalid_email: 'Enter a valid email address.',
    link_disabled: 'This link is disabled.',
    url_blocked: 'Links to this domain are not allowed.',
    url_shortener: 'Links to other URL shorteners are not allowed. Use the final destination instead.',
  };
  if (code && plain[code]) return plain[code];
  if (e && typeof e.message === 'string' && e.message) return e.message;
  if (status === 0) return 'The server cannot be reached. Check your connection and try again.';
  if (status >= 500) return 'The server had a problem. Try again in a moment.';
  return `Request failed (HTTP ${status}).`;
}

/**
 * Live-stream connection state machine. States: 'connecting' → 'live' on open; 'live' or 'connecting'
 * → 'reconnecting' on error (EventSource retries by itself); 'reconnecting' → 'live' on open;
 * any → 'closed' on close. Returns the next state and the delay before a manual reconnect (null when
 * EventSource keeps retrying itself).
 */
export function liveTransition(state, event, attempt = 0) {
  switch (event) {
    case 'open':
      return { state: 'live', attempt: 0, retryMs: null };
    case 'error':
      if (state === 'closed') return { state, attempt, retryMs: null };
      return { state: 'reconnecting', attempt: attempt + 1, retryMs: backoffMs(attempt + 1) };
    case 'dropped':
      return { state: 'reconnecting', attempt: attempt + 1, retryMs: backoffMs(attempt + 1) };
    case 'close':
      return { state: 'closed', attempt, retryMs: null };
    default:
      return { state, attempt, retryMs: null };
  }
}

/** Exponential backoff with a cap: 1 s, 2 s, 4 s … 30 s. */
export function backoffMs(attempt) {
  return Math.min(30000, 1000 * 2 ** Math.max(0, attempt - 1));
}

/**
 * Feed entries from one live `clicks` event. The server sends per-batch counts per dimension; a batch of
 * one click gives its exact country, city, browser… A larger batch gives one entry per click where each
 * dimension lists the batch's values in order of the counts.
 */
export function feedEntries(event, now = Date.now()) {
  const b = event && event.batch;
  if (!b || !b.clicks) return [];
  const expand = (arr) => {
    const out = [];
    for (const { key, clicks } of arr || []) for (let i = 0; i < clicks; i++) out.push(key || '');
    return out;
  };
  const dims = ['countries', 'cities', 'browsers', 'os', 'devices', 'referrers', 'languages'];
  const cols = Object.fromEntries(dims.map((d) => [d, expand(b[d])]));
  const at = b.last_click_at || now;
  const entries = [];
  for (let i = 0; i < b.clicks; i++) {
    const city = cols.cities[i] || '';
    entries.push({
      id: `${at}-${i}-${Math.random().toString(36).slice(2, 8)}`,
      at,
      country: cols.countries[i] || '',
      city: city.includes('/') ? city.slice(city.indexOf('/') + 1) : city,
      browser: cols.browsers[i] || '',
      os: cols.os[i] || '',
      device: cols.devices[i] || '',
      referrer: cols.referrers[i] || '',
    });
  }
  return entries;
}

/** Recent links kept in localStorage: newest first, unique by slug, at most `max`. */
export function addRecent(list, link, max = 10) {
  const rest = (Array.isArray(list) ? list : []).filter((l) => l && l.slug !== link.slug);
  return [link, ...rest].slice(0, max);
}

/** Shading for the map: 0 clicks → 0, otherwise 0.15..1 on a log scale. */
export function shade(clicks, max) {
  if (!clicks || !max) return 0;
  return 0.15 + 0.85 * (Math.log1p(clicks) / Math.log1p(max));
}
