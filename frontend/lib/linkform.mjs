// The link settings form without React (tested by tests/unit/linkform.test.mjs): a link → the form's
// values, the form → the body of PATCH /api/v1/links/{slug} (only what changed), and which field a server
// error belongs to.

export const REDIRECT_TYPES = [
  { code: 302, label: '302 Found (temporary, default)' },
  { code: 301, label: '301 Moved Permanently (browsers cache it)' },
  { code: 307, label: '307 Temporary Redirect (keeps the method)' },
  { code: 308, label: '308 Permanent Redirect (keeps the method)' },
];

const pad = (n) => String(n).padStart(2, '0');

/** RFC 3339 instant → the value of an <input type="datetime-local"> in the browser's zone ('' for none). */
export function isoToLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** <input type="datetime-local"> value (local wall clock) → RFC 3339 in UTC, or null when it is not one. */
export function localInputToIso(v) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(v || '');
  if (!m) return null;
  const d = new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
  if (Number.isNaN(d.getTime()) || d.getMonth() !== +m[2] - 1) return null;
  return d.toISOString();
}

/** "a, b ,a,, c" → ["a", "b", "c"] (trimmed, no empties, first occurrence wins). */
export function parseTags(text) {
  const out = [];
  for (const t of String(text ?? '').split(',')) {
    const v = t.trim();
    if (v && !out.includes(v)) out.push(v);
  }
  return out;
}

/** The form's values for a link as the API shows it. */
export function linkToForm(link) {
  const t = link.targeting || {};
  return {
    url: link.long_url ?? '',
    disabled: link.disabled === true,
    expires_at: isoToLocalInput(link.expires_at),
    max_clicks: link.max_clicks == null ? '' : String(link.max_clicks),
    expired_url: link.expired_url ?? '',
    redirect_type: String(link.redirect_type ?? 302),
    tags: (link.tags ?? []).join(', '),
    forward_query: link.forward_query === true,
    password_protected: link.password_protected === true,
    password_action: 'keep',  // 'keep' | 'set' | 'remove'; the password itself is never read back
    password: '',
    ios: t.ios ?? '',
    android: t.android ?? '',
    countries: Object.entries(t.countries ?? {}).map(([code, url]) => ({ code, url })),
    rules: (link.rules ?? []).map(ruleToRow),
    split: (link.split ?? []).map((v) => ({ url: v.url ?? '', weight: String(v.weight ?? '') })),
    og_title: link.og_title ?? '',
    og_description: link.og_description ?? '',
    og_image: link.og_image ?? '',
  };
}

/** Bytes of UTF-8 (the server's length limits count bytes). */
const utf8Length = (s) => new TextEncoder().encode(s).length;

/** The social preview fields of a create or PATCH body: those that differ from `initial` (null clears). */
export function previewChanges(form, initial) {
  const body = {};
  for (const [key, max] of [['og_title', 200], ['og_description', 500]]) {
    const v = form[key].trim();
    if (utf8Length(v) > max) return { error: { field: key, message: `At most ${max} bytes (characters outside ASCII count 2 to 4).` } };
    if (v !== (initial?.[key] ?? '').trim()) body[key] = v || null;
  }
  const image = form.og_image.trim();
  if (image && !/^https:\/\/\S+$/i.test(image)) return { error: { field: 'og_image', message: 'Enter an https:// image URL.' } };
  if (image !== (initial?.og_image ?? '').trim()) body.og_image = image || null;
  return { body };
}

/** Devices a rule can ask for, in the API's names. */
export const RULE_DEVICES = [
  { value: 'ios', label: 'iPhone / iPad' },
  { value: 'android', label: 'Android' },
  { value: 'desktop', label: 'Desktop' },
  { value: 'other', label: 'Other devices' },
];

const list = (text) => String(text ?? '').split(',').map((v) => v.trim()).filter(Boolean);

/** A rule as the API shows it → the form's row (lists as comma-separated text, query as a=b&c=d). */
export function ruleToRow(rule) {
  const c = rule.if ?? {};
  return {
    countries: (c.country ?? []).join(', '),
    devices: [...(c.device ?? [])],
    languages: (c.language ?? []).join(', '),
    query: Object.entries(c.query ?? {}).map(([k, v]) => `${k}=${v}`).join('&'),
    after: isoToLocalInput(c.after),
    before: isoToLocalInput(c.before),
    url: rule.url ?? '',
  };
}

/** A form row → the API's rule, or { error: { field, message } } (field: the row's control id). */
export function rowToRule(row, i) {
  const fail = (field, message) => ({ error: { field: `rule-${field}-${i}`, message } });
  const c = {};
  const countries = list(row.countries).map((v) => v.toUpperCase());
  if (countries.some((v) => !/^[A-Z]{2}$/.test(v))) return fail('countries', 'Enter two-letter country codes, such as DE, AT.');
  if (countries.length) c.country = countries;
  if (row.devices.length) c.device = RULE_DEVICES.map((d) => d.value).filter((d) => row.devices.includes(d));
  const languages = list(row.languages);
  if (languages.some((v) => !/^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(v))) return fail('languages', 'Enter language tags, such as de, pt-BR.');
  if (languages.length) c.language = languages;
  const query = {};
  for (const part of String(row.query ?? '').split('&').map((v) => v.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) return fail('query', 'Write query conditions as name=value, joined by &.');
    query[part.slice(0, eq)] = part.slice(eq + 1);
  }
  if (Object.keys(query).length) c.query = query;
  for (const key of ['after', 'before']) {
    if (!row[key]) continue;
    const iso = localInputToIso(row[key]);
    if (!iso) return fail(key, 'Enter a date and time.');
    c[key] = iso;
  }
  if (!Object.keys(c).length) return fail('countries', 'Give this rule at least one condition.');
  if (!row.url.trim()) return fail('url', 'Enter the URL for this rule.');
  return { rule: { if: c, url: row.url.trim() } };
}

function rulesOf(form) {
  const rules = [];
  for (const [i, row] of form.rules.entries()) {
    const r = rowToRule(row, i);
    if (r.error) return r;
    rules.push(r.rule);
  }
  return { rules };
}

function splitOf(form) {
  const split = [];
  for (const [i, v] of form.split.entries()) {
    if (!v.url.trim()) return { error: { field: `variant-url-${i}`, message: 'Enter the URL of this variant.' } };
    const w = String(v.weight).trim();
    if (!/^\d{1,7}$/.test(w) || Number(w) < 1 || Number(w) > 1e6) {
      return { error: { field: `variant-weight-${i}`, message: 'Enter a whole number from 1 to 1,000,000.' } };
    }
    split.push({ url: v.url.trim(), weight: Number(w) });
  }
  if (split.length === 1) return { error: { field: 'variant-url-0', message: 'A split needs at least two variants.' } };
  return { split };
}

function targetingOf(form) {
  const countries = {};
  for (const r of form.countries) countries[r.code] = r.url.trim();
  return { ios: form.ios.trim() || null, android: form.android.trim() || null, countries };
}

/**
 * PATCH body for what changed between `initial` (linkToForm of the stored link) and `form`, or the
 * first client-side error as { field, message } (the server checks everything again).
 */
export function formToPatch(form, initial) {
  const body = {};
  const fail = (field, message) => ({ error: { field, message } });

  const url = form.url.trim();
  if (!url) return fail('url', 'Enter the destination URL.');
  if (url !== initial.url.trim()) body.url = url;

  if (form.disabled !== initial.disabled) body.disabled = form.disabled;

  if (form.expires_at !== initial.expires_at) {
    if (!form.expires_at) body.expires_at = null;
    else {
      const iso = localInputToIso(form.expires_at);
      if (!iso) return fail('expires_at', 'Enter a date and time.');
      body.expires_at = iso;
    }
  }

  const mc = form.max_clicks.trim();
  if (mc !== initial.max_clicks) {
    if (!mc) body.max_clicks = null;
    else if (!/^\d{1,13}$/.test(mc) || Number(mc) < 1 || Number(mc) > 1e12) {
      return fail('max_clicks', 'Enter a whole number from 1 to 1,000,000,000,000.');
    } else body.max_clicks = Number(mc);
  }

  const expired = form.expired_url.trim();
  if (expired !== initial.expired_url.trim()) body.expired_url = expired || null;

  if (form.redirect_type !== initial.redirect_type) body.redirect_type = Number(form.redirect_type);

  const tags = parseTags(form.tags);
  if (tags.some((t) => new TextEncoder().encode(t).length > 64)) return fail('tags', 'Each tag has at most 64 characters.');
  if (tags.length > 20) return fail('tags', 'At most 20 tags.');
  if (JSON.stringify(tags) !== JSON.stringify(parseTags(initial.tags))) body.tags = tags;

  if (form.forward_query !== initial.forward_query) body.forward_query = form.forward_query;

  if (form.password_action === 'set') {
    if (!form.password) return fail('password', 'Enter the new password, or keep the current one.');
    body.password = form.password;
  } else if (form.password_action === 'remove' && initial.password_protected) {
    body.password = null;
  }

  const seen = new Set();
  for (const [i, r] of form.countries.entries()) {
    if (!/^[A-Z]{2}$/.test(r.code)) return fail(`country-${i}`, 'Choose a country.');
    if (seen.has(r.code)) return fail(`country-${i}`, 'This country is listed twice.');
    seen.add(r.code);
    if (!r.url.trim()) return fail(`country-url-${i}`, 'Enter the URL for this country.');
  }
  const t = targetingOf(form);
  if (JSON.stringify(t) !== JSON.stringify(targetingOf(initial))) body.targeting = t;

  const rules = rulesOf(form);
  if (rules.error) return rules;
  if (rules.rules.length > 25) return fail('rules', 'At most 25 rules.');
  if (JSON.stringify(rules.rules) !== JSON.stringify(rulesOf(initial).rules)) body.rules = rules.rules;
  const split = splitOf(form);
  if (split.error) return split;
  if (split.split.length > 10) return fail('split', 'At most 10 variants.');
  if (JSON.stringify(split.split) !== JSON.stringify(splitOf(initial).split ?? [])) body.split = split.split;
  const preview = previewChanges(form, initial);
  if (preview.error) return preview;
  Object.assign(body, preview.body);

  return { body };
}

const URL_CODES = new Set([
  'url_required', 'url_too_long', 'invalid_url', 'relative_url', 'unsupported_scheme', 'missing_host',
  'url_credentials', 'url_whitespace', 'url_control_characters', 'invalid_host', 'redirect_loop',
  'url_blocked', 'url_shortener',
]);
const FIELD_OF_CODE = {
  invalid_expires_at: 'expires_at',
  invalid_max_clicks: 'max_clicks',
  invalid_redirect_type: 'redirect_type',
  invalid_tags: 'tags',
  invalid_password: 'password',
  invalid_targeting: 'targeting',
  invalid_rules: 'rules',
  invalid_split: 'split',
  invalid_preview: 'og_title',
};

/**
 * The form field a PATCH error belongs to, or null for the form as a whole: 'url', 'expires_at', …, 'ios',
 * 'android', 'country:DE' (the row of that country), 'targeting' (the targeting block). URL rule codes are shared
 * by the destination, the expired URL and the targeting URLs; the server's message then starts with the field's
 * JSON path ("expired_url": …, "targeting.countries.DE": …).
 */
export function fieldForError(code, message = '') {
  const m = String(message);
  if (URL_CODES.has(code) || code === 'invalid_request' || code === 'invalid_targeting') {
    const path = /^"(expired_url|targeting\.ios|targeting\.android|targeting\.countries\.([A-Za-z]{2}))"/.exec(m);
    if (path) {
      if (path[2]) return `country:${path[2].toUpperCase()}`;
      return path[1].replace('targeting.', '');
    }
    const twice = /The country ([A-Z]{2}) is listed twice/.exec(m);
    if (twice) return `country:${twice[1]}`;
  }
  // Rules and splits (issue #17): the message names the entry ("rules[3]: …", "split[1].url": …).
  const entry = /^"?(rules|split)\[(\d+)\](\.url)?/.exec(m);
  if (entry && (URL_CODES.has(code) || code === 'invalid_rules' || code === 'invalid_split')) {
    if (entry[1] === 'rules') return entry[3] ? `rule-url-${entry[2]}` : `rule-countries-${entry[2]}`;
    return entry[3] ? `variant-url-${entry[2]}` : `variant-weight-${entry[2]}`;
  }
  const og = /^"(og_title|og_description|og_image)"/.exec(m);
  if (og && (code === 'invalid_preview' || code === 'invalid_request' || URL_CODES.has(code))) return og[1];
  if (FIELD_OF_CODE[code]) return FIELD_OF_CODE[code];
  if (URL_CODES.has(code)) return 'url';
  return null;
}

/** A field from fieldForError → the id of the form control (country rows are found by their code). */
export function controlForField(field, countries) {
  if (!field || !field.startsWith('country:')) return field;
  const i = countries.findIndex((r) => r.code === field.slice(8));
  return i < 0 ? 'targeting' : `country-url-${i}`;
}
