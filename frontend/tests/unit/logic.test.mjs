import test from 'node:test';
import assert from 'node:assert/strict';
import {
  countryFlag, formatCount, formatShare, bucketLabel, defaultInterval, intervalsFor, statsQuery,
  errorMessage, liveTransition, backoffMs, feedEntries, addRecent, shade, formatDate, linkClicks,
} from '../../lib/logic.mjs';

test('countryFlag', () => {
  assert.equal(countryFlag('DE'), '🇩🇪');
  assert.equal(countryFlag('us'), '🇺🇸');
  assert.equal(countryFlag(''), '');
  assert.equal(countryFlag('XX'), '');
  assert.equal(countryFlag('D1'), '');
  assert.equal(countryFlag(undefined), '');
});

test('formatting', () => {
  assert.equal(formatCount(1234567), '1,234,567');
  assert.equal(formatCount(NaN), '0');
  assert.equal(formatCount(0), '0');
  assert.equal(formatCount(null), '—', 'a figure the server cannot give is not a zero');
  assert.equal(formatCount(undefined), '—');
  assert.equal(formatShare(1, 40), '2.5%');
  assert.equal(formatShare(1, 2), '50%');
  assert.equal(formatShare(1, 0), '0%');
  assert.equal(formatDate('2026-11-28T06:39:50.123Z'), 'Nov 28, 2026');
  assert.equal(formatDate('nope'), '');
});

test('bucket labels read the wall clock of the chosen zone', () => {
  assert.equal(bucketLabel('2026-03-29T00:00:00+01:00', 'day'), 'Mar 29, 2026');
  assert.equal(bucketLabel('2026-03-29T03:00:00+02:00', 'hour'), 'Mar 29 03:00');
  assert.equal(bucketLabel('2026-11-01T00:00:00Z', 'month'), 'Nov 2026');
  assert.equal(bucketLabel('2026-11-02T00:00:00Z', 'week'), 'Week of Nov 2');
  assert.equal(bucketLabel('garbage', 'day'), '');
});

test('intervals', () => {
  assert.equal(defaultInterval(1), 'hour');
  assert.equal(defaultInterval(30), 'day');
  assert.equal(defaultInterval(365), 'week');
  assert.deepEqual(intervalsFor(1), ['minute', 'hour', 'day']);
  assert.deepEqual(intervalsFor(90), ['day', 'week', 'month']);
});

test('statsQuery', () => {
  const q = new URLSearchParams(statsQuery({ rangeDays: 7, interval: 'day', tz: 'Europe/Berlin', bots: false, now: Date.UTC(2026, 10, 28) }));
  assert.equal(q.get('from'), '2026-11-21T00:00:00.000Z');
  assert.equal(q.get('to'), '2026-11-28T00:00:00.000Z');
  assert.equal(q.get('tz'), 'Europe/Berlin');
  assert.equal(q.get('bots'), 'exclude');
});

test('errorMessage', () => {
  assert.match(errorMessage(400, { error: { code: 'invalid_url', message: 'x' } }), /web address/);
  assert.equal(errorMessage(400, { error: { code: 'other', message: 'Server says.' } }), 'Server says.');
  assert.match(errorMessage(0, null), /cannot be reached/);
  assert.match(errorMessage(502, null), /problem/);
});

test('live state machine', () => {
  let s = liveTransition('connecting', 'open');
  assert.equal(s.state, 'live');
  s = liveTransition(s.state, 'error', s.attempt);
  assert.deepEqual(s, { state: 'reconnecting', attempt: 1, retryMs: 1000 });
  s = liveTransition(s.state, 'error', s.attempt);
  assert.equal(s.retryMs, 2000);
  s = liveTransition(s.state, 'open', s.attempt);
  assert.deepEqual(s, { state: 'live', attempt: 0, retryMs: null });
  assert.equal(liveTransition('live', 'close').state, 'closed');
  assert.equal(liveTransition('closed', 'error').state, 'closed');
  assert.equal(backoffMs(10), 30000);
});

test('feedEntries', () => {
  const one = feedEntries({ batch: { clicks: 1, last_click_at: 5, countries: [{ key: 'DE', clicks: 1 }], cities: [{ key: 'DE/Berlin', clicks: 1 }], browsers: [{ key: 'Mobile Safari', clicks: 1 }], devices: [{ key: 'mobile', clicks: 1 }], referrers: [{ key: '', clicks: 1 }] } });
  assert.equal(one.length, 1);
  assert.equal(one[0].country, 'DE');
  assert.equal(one[0].city, 'Berlin');
  assert.equal(one[0].device, 'mobile');
  assert.equal(feedEntries({ batch: { clicks: 3, countries: [{ key: 'US', clicks: 3 }] } }).length, 3);
  assert.deepEqual(feedEntries({}), []);
});

test('addRecent and shade', () => {
  const l = addRecent([{ slug: 'a' }, { slug: 'b' }], { slug: 'b' }, 2);
  assert.deepEqual(l.map((x) => x.slug), ['b', 'a']);
  assert.equal(addRecent(null, { slug: 'x' }).length, 1);
  assert.equal(shade(0, 10), 0);
  assert.equal(shade(10, 10), 1);
});

test('linkClicks: people by default, bots one toggle away', () => {
  const link = { clicks: 12, human_clicks: 7 };
  assert.equal(linkClicks(link, false), 7);
  assert.equal(linkClicks(link, true), 12);
  assert.equal(linkClicks({ clicks: 5 }, false), 5, 'a server without human_clicks');
});
