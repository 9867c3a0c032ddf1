// The UTM builder without React (tested by tests/unit/utm.test.mjs): reads the utm_* parameters of a destination URL
// and writes them into it. Only the utm_* parameters change: the rest of the query keeps its order and its exact
// bytes, the fragment stays, and values are percent-encoded (a space as %20).

export const UTM_KEYS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content'];

// "https://h/p?q#f" → { base: "https://h/p", query: "q", fragment: "#f" } (query without its '?').
function split(url) {
  const s = String(url ?? '');
  const hash = s.indexOf('#');
  const fragment = hash < 0 ? '' : s.slice(hash);
  const rest = hash < 0 ? s : s.slice(0, hash);
  const q = rest.indexOf('?');
  return { base: q < 0 ? rest : rest.slice(0, q), query: q < 0 ? '' : rest.slice(q + 1), fragment };
}

function decode(v) {
  try { return decodeURIComponent(v.replace(/\+/g, ' ')); } catch { return v; }
}

/** The utm_* values of a URL's query (decoded; '' when absent; the first occurrence wins). */
export function readUtm(url) {
  const out = Object.fromEntries(UTM_KEYS.map((k) => [k, '']));
  const seen = new Set();
  for (const pair of split(url).query.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const key = decode(eq < 0 ? pair : pair.slice(0, eq));
    if (!UTM_KEYS.includes(key) || seen.has(key)) continue;
    seen.add(key);
    out[key] = eq < 0 ? '' : decode(pair.slice(eq + 1));
  }
  return out;
}

/**
 * `url` with its utm_* parameters replaced by `utm` ({utm_source: 'x', …}; an empty or missing value removes the
 * parameter): every existing utm_* pair is dropped, the other pairs are kept as they are and in order, the new ones
 * are appended in UTM_KEYS order with values trimmed and percent-encoded, and the fragment is kept.
 */
export function applyUtm(url, utm) {
  const { base, query, fragment } = split(url);
  const kept = query.split('&').filter((pair) => {
    if (!pair) return false;
    const eq = pair.indexOf('=');
    return !UTM_KEYS.includes(decode(eq < 0 ? pair : pair.slice(0, eq)));
  });
  for (const key of UTM_KEYS) {
    const value = String(utm?.[key] ?? '').trim();
    if (value) kept.push(`${key}=${encodeURIComponent(value)}`);
  }
  return base + (kept.length ? `?${kept.join('&')}` : '') + fragment;
}
