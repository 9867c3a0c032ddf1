// Accounts and API keys (issue #7): the `keys` and `users` commands, login/logout and the session cookie,
// CSRF, sign-up, key management over the API, anonymous shortening with stats tokens, and auth mode none.
// The full endpoint × principal matrix is tests/e2e/authz-matrix.test.mjs.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { DISTRIBUTED, api, distributedEnv, makeDataDir, runCli, startServer } from './support.mjs';

// Settings that point the CLI at the same database as a server on `dataDir` (SQLite, or PostgreSQL when the
// suite runs distributed).
function dbEnv(dataDir) {
  const env = { SHORTENER_DATA_DIR: dataDir };
  if (DISTRIBUTED) env.DATABASE_URL = distributedEnv(dataDir).DATABASE_URL;
  return env;
}

function cli(dataDir, args, input) {
  return runCli(args, { env: dbEnv(dataDir), input });
}

function table(stdout) {
  const [header, ...rows] = stdout.trim().split('\n').map((l) => l.split('\t'));
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

describe('accounts CLI', () => {
  test('keys create prints the key once on stdout; keys list never shows it; revoke marks it', () => {
    const dir = makeDataDir();
    const created = cli(dir, ['keys', 'create', '--name', 'ci deploy', '--scopes', 'links:read,stats:read']);
    assert.equal(created.status, 0, created.stderr);
    const key = created.stdout.trim();
    assert.match(key, /^sk_[0-9A-Za-z]{43}$/);
    assert.equal(created.stdout, `${key}\n`, 'stdout holds the key and nothing else');

    const listed = cli(dir, ['keys', 'list']);
    assert.equal(listed.status, 0, listed.stderr);
    assert.ok(!listed.stdout.includes(key), 'the key is never listed');
    const [row] = table(listed.stdout);
    assert.equal(row.PREFIX, key.slice(0, 11));
    assert.equal(row.NAME, 'ci deploy');
    assert.equal(row.OWNER, 'service');
    assert.equal(row.SCOPES, 'links:read stats:read');
    assert.equal(row.REVOKED, '-');

    const revoked = cli(dir, ['keys', 'revoke', row.ID]);
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.notEqual(table(cli(dir, ['keys', 'list']).stdout)[0].REVOKED, '-');
    assert.equal(cli(dir, ['keys', 'revoke', '999']).status, 1);
    assert.equal(cli(dir, ['keys', 'revoke', 'abc']).status, 2);
  });

  test('keys create: bad scopes, missing name and unknown users are refused', () => {
    const dir = makeDataDir();
    let r = cli(dir, ['keys', 'create', '--name', 'x', '--scopes', 'links:read,root']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /scopes/);
    assert.equal(r.stdout, '');
    r = cli(dir, ['keys', 'create']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--name/);
    r = cli(dir, ['keys', 'create', '--name', 'x', '--user', 'nobody@example.com']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /nobody@example.com/);
    r = cli(dir, ['keys', 'frobnicate']);
    assert.equal(r.status, 2);
  });

  test('users create reads the password from stdin; users list; duplicates and weak passwords refused', () => {
    const dir = makeDataDir();
    let r = cli(dir, ['users', 'create', '--email', 'Admin@Example.COM', '--admin'], 'correct horse battery\n');
    assert.equal(r.status, 0, r.stderr);
    r = cli(dir, ['users', 'create', '--email', 'bob@example.com', '--password-stdin'], 'bobs password\n');
    assert.equal(r.status, 0, r.stderr);
    const users = table(cli(dir, ['users', 'list']).stdout);
    assert.deepEqual(users.map((u) => [u.EMAIL, u.ROLE]), [
      ['service', 'service'],
      ['admin@example.com', 'admin'],
      ['bob@example.com', 'user'],
    ]);
    r = cli(dir, ['users', 'create', '--email', 'bob@example.com'], 'another password\n');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /exists/);
    r = cli(dir, ['users', 'create', '--email', 'carol@example.com'], 'short\n');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /8 to 1024/);
    r = cli(dir, ['users', 'create', '--email', 'not-an-email'], 'long enough pw\n');
    assert.equal(r.status, 2);
    // A password is never a flag value.
    r = cli(dir, ['users', 'create', '--email', 'dave@example.com', '--password', 'secret12345']);
    assert.notEqual(r.status, 0);
  });

  test('keys create --user: an admin scope needs an admin user', () => {
    const dir = makeDataDir();
    cli(dir, ['users', 'create', '--email', 'bob@example.com'], 'bobs password\n');
    let r = cli(dir, ['keys', 'create', '--name', 'b', '--user', 'bob@example.com', '--scopes', 'admin']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /admin/);
    r = cli(dir, ['keys', 'create', '--name', 'b', '--user', 'BOB@example.com']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(table(cli(dir, ['keys', 'list']).stdout)[0].OWNER, 'bob@example.com');
  });
});
