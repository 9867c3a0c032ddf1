import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { applyUtm, readUtm, UTM_KEYS } from '../../lib/utm.mjs';

describe('applyUtm', () => {
  test('adds the parameters to a URL without a query', () => {
    assert.equal(applyUtm('https://example.com/p', { utm_source: 'news', utm_medium: 'email' }),
      'https://example.com/p?utm_source=news&utm_medium=email');
  });
  test('keeps the existing query, its order and bytes', () => {
    assert.equal(applyUtm('https://example.com/p?b=2&a=%41+x&flag', { utm_campaign: 'spring' }),
      'https://example.com/p?b=2&a=%41+x&flag&utm_campaign=spring');
  });
  test('replaces existing utm_* wherever they are (repeated ones too)', () => {
    assert.equal(applyUtm('https://e.com/?utm_source=old&x=1&utm_source=older&utm_medium=cpc', { utm_source: 'new' }),
      'https://e.com/?x=1&utm_source=new');
  });
  test('percent-encodes values, trims them, spaces as %20', () => {
    assert.equal(applyUtm('https://e.com/', { utm_campaign: ' spring sale & more/ü?#=' }),
      'https://e.com/?utm_campaign=spring%20sale%20%26%20more%2F%C3%BC%3F%23%3D');
  });
  test('keeps the fragment after the query', () => {
    assert.equal(applyUtm('https://e.com/p?a=1#top', { utm_source: 'x' }), 'https://e.com/p?a=1&utm_source=x#top');
    assert.equal(applyUtm('https://e.com/p#top?not=query', { utm_source: 'x' }), 'https://e.com/p?utm_source=x#top?not=query');
  });
  test('empty values remove parameters; nothing left drops the "?"', () => {
    assert.equal(applyUtm('https://e.com/p?utm_source=a&utm_term=b#f', { utm_source: '', utm_term: '  ' }), 'https://e.com/p#f');
    assert.equal(applyUtm('https://e.com/p?keep=1&utm_source=a', {}), 'https://e.com/p?keep=1');
  });
  test('writes all five in a fixed order', () => {
    const all = Object.fromEntries(UTM_KEYS.map((k) => [k, k.slice(4)]));
    assert.equal(applyUtm('https://e.com/', all),
      'https://e.com/?utm_source=source&utm_medium=medium&utm_campaign=campaign&utm_term=term&utm_content=content');
  });
  test('an encoded utm key counts as that key', () => {
    assert.equal(applyUtm('https://e.com/?utm%5Fsource=a', { utm_source: 'b' }), 'https://e.com/?utm_source=b');
  });
  test('round trip through readUtm', () => {
    const url = applyUtm('https://e.com/x?y=1#z', { utm_source: 'a b', utm_content: 'ü&=' });
    assert.deepEqual(readUtm(url), { utm_source: 'a b', utm_medium: '', utm_campaign: '', utm_term: '', utm_content: 'ü&=' });
  });
});

describe('readUtm', () => {
  test('decodes values, + as space, first occurrence wins, ignores the fragment', () => {
    assert.deepEqual(readUtm('https://e.com/?utm_source=a+b&utm_source=c&utm_medium=%41#utm_term=no'),
      { utm_source: 'a b', utm_medium: 'A', utm_campaign: '', utm_term: '', utm_content: '' });
  });
  test('bad escapes are kept as they are', () => {
    assert.equal(readUtm('https://e.com/?utm_source=%zz').utm_source, '%zz');
  });
  test('no query, empty input', () => {
    assert.equal(readUtm('').utm_source, '');
    assert.equal(readUtm('https://e.com/').utm_campaign, '');
  });
});
