import test from 'node:test';
import assert from 'node:assert/strict';
import {
  linkToForm, formToPatch, fieldForError, controlForField, parseTags, isoToLocalInput, localInputToIso,
} from '../../lib/linkform.mjs';

const LINK = {
  slug: 'abc', long_url: 'https://example.com/', expires_at: null, max_clicks: null, redirect_type: 302, tags: ['a', 'b'],
  disabled: false, expired_url: null, forward_query: false, password_protected: false,
  targeting: null,
};

test('an untouched form sends nothing', () => {
  const f = linkToForm(LINK);
  assert.deepEqual(formToPatch(f, f), { body: {} });
  const full = linkToForm({ ...LINK, max_clicks: 5, expires_at: '2030-01-02T03:04:00Z', password_protected: true,
    targeting: { ios: 'https://apps.apple.com/x', android: null, countries: { DE: 'https://example.de/' } } });
  assert.deepEqual(formToPatch(full, full), { body: {} });
  assert.equal(full.max_clicks, '5');
  assert.deepEqual(full.countries, [{ code: 'DE', url: 'https://example.de/' }]);
});

test('changed fields only, with the API types', () => {
  const initial = linkToForm(LINK);
  const f = { ...initial, url: ' https://example.org/new ', disabled: true, max_clicks: '10', redirect_type: '308',
    tags: 'b, c, , b', forward_query: true, expired_url: 'https://example.com/over' };
  assert.deepEqual(formToPatch(f, initial).body, {
    url: 'https://example.org/new', disabled: true, max_clicks: 10, redirect_type: 308, tags: ['b', 'c'],
    forward_query: true, expired_url: 'https://example.com/over',
  });
});

test('clearing limits sends null', () => {
  const initial = linkToForm({ ...LINK, max_clicks: 3, expires_at: '2030-01-01T00:00:00Z', expired_url: 'https://e.com/' });
  const f = { ...initial, max_clicks: '', expires_at: '', expired_url: '  ' };
  assert.deepEqual(formToPatch(f, initial).body, { max_clicks: null, expires_at: null, expired_url: null });
});

test('expiry: local wall clock → UTC instant', () => {
  const iso = localInputToIso('2030-06-15T12:30');
  assert.equal(new Date(iso).getTime(), new Date(2030, 5, 15, 12, 30).getTime());
  assert.equal(isoToLocalInput(iso), '2030-06-15T12:30');
  assert.equal(localInputToIso('2030-02-31T10:00'), null);
  assert.equal(localInputToIso('tomorrow'), null);
  const initial = linkToForm(LINK);
  assert.deepEqual(formToPatch({ ...initial, expires_at: '2030-06-15T12:30' }, initial).body, { expires_at: iso });
  assert.equal(formToPatch({ ...initial, expires_at: 'x' }, initial).error.field, 'expires_at');
});

test('client-side errors name their field', () => {
  const initial = linkToForm(LINK);
  assert.equal(formToPatch({ ...initial, url: ' ' }, initial).error.field, 'url');
  for (const bad of ['0', '-1', '1.5', 'ten', '10000000000001']) {
    assert.equal(formToPatch({ ...initial, max_clicks: bad }, initial).error.field, 'max_clicks', bad);
  }
  assert.equal(formToPatch({ ...initial, tags: 'x'.repeat(65) }, initial).error.field, 'tags');
  assert.equal(formToPatch({ ...initial, tags: Array.from({ length: 21 }, (_, i) => `t${i}`).join(',') }, initial).error.field, 'tags');
});

test('password is write-only: set, remove, keep', () => {
  const unprotected = linkToForm(LINK);
  assert.deepEqual(formToPatch({ ...unprotected, password_action: 'set', password: 's3cret pass' }, unprotected).body,
    { password: 's3cret pass' });
  assert.equal(formToPatch({ ...unprotected, password_action: 'set', password: '' }, unprotected).error.field, 'password');
  assert.deepEqual(formToPatch({ ...unprotected, password_action: 'remove' }, unprotected).body, {});
  const prot = linkToForm({ ...LINK, password_protected: true });
  assert.equal(prot.password, '');
  assert.deepEqual(formToPatch({ ...prot, password_action: 'remove' }, prot).body, { password: null });
  assert.deepEqual(formToPatch({ ...prot, password: 'typed but kept' }, prot).body, {});
});

test('targeting: whole object when anything changed, rows checked', () => {
  const initial = linkToForm(LINK);
  const f = { ...initial, ios: 'https://apps.apple.com/app', countries: [{ code: 'DE', url: ' https://example.de/ ' }, { code: 'FR', url: 'https://example.fr/' }] };
  assert.deepEqual(formToPatch(f, initial).body, { targeting: {
    ios: 'https://apps.apple.com/app', android: null, countries: { DE: 'https://example.de/', FR: 'https://example.fr/' } } });
  assert.equal(formToPatch({ ...initial, countries: [{ code: '', url: 'https://x.com/' }] }, initial).error.field, 'country-0');
  assert.equal(formToPatch({ ...initial, countries: [{ code: 'DE', url: 'https://x.com/' }, { code: 'DE', url: 'https://y.com/' }] }, initial).error.field, 'country-1');
  assert.equal(formToPatch({ ...initial, countries: [{ code: 'DE', url: ' ' }] }, initial).error.field, 'country-url-0');
  // Removing every rule clears targeting.
  const had = linkToForm({ ...LINK, targeting: { ios: null, android: 'https://play.google.com/x', countries: {} } });
  assert.deepEqual(formToPatch({ ...had, android: '' }, had).body, { targeting: { ios: null, android: null, countries: {} } });
});

test('parseTags', () => {
  assert.deepEqual(parseTags(' q4, launch ,q4,,'), ['q4', 'launch']);
  assert.deepEqual(parseTags(''), []);
});

test('server errors land next to the right field', () => {
  assert.equal(fieldForError('invalid_url'), 'url');
  assert.equal(fieldForError('unsupported_scheme', 'Only http and https URLs can be shortened.'), 'url');
  assert.equal(fieldForError('url_blocked'), 'url');
  assert.equal(fieldForError('invalid_host', '"expired_url": The host is not valid.'), 'expired_url');
  assert.equal(fieldForError('relative_url', '"targeting.ios": The URL has no scheme.'), 'ios');
  assert.equal(fieldForError('url_shortener', '"targeting.android": no'), 'android');
  assert.equal(fieldForError('invalid_host', '"targeting.countries.DE": bad host'), 'country:DE');
  assert.equal(fieldForError('invalid_targeting', 'The country FR is listed twice.'), 'country:FR');
  assert.equal(fieldForError('invalid_targeting', '"XX" is not an ISO 3166-1 alpha-2 country code'), 'targeting');
  assert.equal(fieldForError('invalid_targeting', 'At most 50 countries can be targeted.'), 'targeting');
  assert.equal(fieldForError('invalid_request', '"expired_url" must be a URL string.'), 'expired_url');
  assert.equal(fieldForError('invalid_request', 'Unknown field.'), null);
  assert.equal(fieldForError('invalid_max_clicks'), 'max_clicks');
  assert.equal(fieldForError('invalid_expires_at'), 'expires_at');
  assert.equal(fieldForError('invalid_tags'), 'tags');
  assert.equal(fieldForError('invalid_password'), 'password');
  assert.equal(fieldForError('invalid_redirect_type'), 'redirect_type');
  assert.equal(fieldForError('gone'), null);
  const rows = [{ code: 'FR', url: 'x' }, { code: 'DE', url: 'y' }];
  assert.equal(controlForField('country:DE', rows), 'country-url-1');
  assert.equal(controlForField('country:JP', rows), 'targeting');
  assert.equal(controlForField('url', rows), 'url');
  assert.equal(controlForField(null, rows), null);
});

test('social preview fields: changes only, null clears, limits in bytes, https image', () => {
  const initial = linkToForm({ ...LINK, og_title: 'Old', og_description: null, og_image: 'https://cdn.example.com/a.png' });
  assert.equal(initial.og_title, 'Old');
  assert.equal(initial.og_description, '');
  assert.deepEqual(formToPatch(initial, initial), { body: {} });
  assert.deepEqual(formToPatch({ ...initial, og_title: ' New ', og_image: '' }, initial).body, { og_title: 'New', og_image: null });
  assert.equal(formToPatch({ ...initial, og_title: 'é'.repeat(101) }, initial).error.field, 'og_title');
  assert.equal(formToPatch({ ...initial, og_description: 'x'.repeat(501) }, initial).error.field, 'og_description');
  assert.equal(formToPatch({ ...initial, og_image: 'http://cdn.example.com/a.png' }, initial).error.field, 'og_image');
  assert.equal(fieldForError('invalid_preview', '"og_image" must be an https URL.'), 'og_image');
  assert.equal(fieldForError('invalid_url', '"og_image": The URL is not valid.'), 'og_image');
  assert.equal(fieldForError('invalid_preview', 'something'), 'og_title');
});

test('rules and split (issue #17): rows ↔ API, only when changed, client-side checks, server errors', () => {
  const link = { ...LINK, rules: [{ if: { country: ['DE', 'AT'], device: ['ios'], query: { ref: 'tw' } }, url: 'https://example.de/' }],
    split: [{ url: 'https://a.example/', weight: 70 }, { url: 'https://b.example/', weight: 30 }] };
  const initial = linkToForm(link);
  assert.deepEqual(formToPatch(initial, initial), { body: {} });
  assert.deepEqual(initial.rules[0], { countries: 'DE, AT', devices: ['ios'], languages: '', query: 'ref=tw', after: '', before: '', url: 'https://example.de/' });
  const f = { ...initial, rules: [...initial.rules, { countries: '', devices: ['android', 'desktop'], languages: 'de, pt-BR', query: '', after: '', before: '', url: ' https://x.example/ ' }],
    split: [initial.split[0], { url: 'https://b.example/', weight: '20' }] };
  const { body } = formToPatch(f, initial);
  assert.deepEqual(body.rules[1], { if: { device: ['android', 'desktop'], language: ['de', 'pt-BR'] }, url: 'https://x.example/' });
  assert.deepEqual(body.split, [{ url: 'https://a.example/', weight: 70 }, { url: 'https://b.example/', weight: 20 }]);
  const none = formToPatch({ ...initial, rules: [], split: [] }, initial).body;
  assert.deepEqual(none, { rules: [], split: [] });
  const empty = { countries: '', devices: [], languages: '', query: '', after: '', before: '', url: 'https://x.example/' };
  assert.equal(formToPatch({ ...initial, rules: [empty] }, initial).error.field, 'rule-countries-0');
  assert.equal(formToPatch({ ...initial, rules: [{ ...empty, countries: 'Germany' }] }, initial).error.field, 'rule-countries-0');
  assert.equal(formToPatch({ ...initial, rules: [{ ...empty, query: 'ref' }] }, initial).error.field, 'rule-query-0');
  assert.equal(formToPatch({ ...initial, split: [{ url: 'https://a/', weight: '0' }, { url: 'https://b/', weight: '1' }] }, initial).error.field, 'variant-weight-0');
  assert.equal(formToPatch({ ...initial, split: [{ url: 'https://a/', weight: '1' }] }, initial).error.field, 'variant-url-0');
  assert.equal(fieldForError('invalid_rules', 'rules[3]: "if": unknown condition'), 'rule-countries-3');
  assert.equal(fieldForError('unsupported_scheme', '"rules[1].url": only http and https'), 'rule-url-1');
  assert.equal(fieldForError('invalid_split', 'split[1]: "weight" must be an integer'), 'variant-weight-1');
  assert.equal(fieldForError('invalid_split', '"split" needs at least 2 variants'), 'split');
});
