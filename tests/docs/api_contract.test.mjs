// The public contract is written down twice, for machines (openapi.yaml) and for people (docs/api-spec.md), and
// built once (the routes the handlers register). This check keeps the three in step: every route a handler
// registers is in openapi.yaml, every operation of openapi.yaml is served, and every /api/ operation is in
// docs/api-spec.md. It reads the sources as text (no build needed); a route whose path is not a string literal
// (the web UI's static files) is outside the contract and skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../../', import.meta.url).pathname;
const read = (path) => readFileSync(join(root, path), 'utf8');

// `router.Add({Method::kGet, Method::kHead}, "/path", "name", ...)`, possibly over several lines.
function servedOperations() {
  const dir = 'src/http/handlers';
  const ops = new Set();
  for (const file of readdirSync(join(root, dir)).filter((f) => f.endsWith('.cpp'))) {
    const text = read(join(dir, file));
    const re = /router\.Add\(\s*\{([^}]*)\}\s*,\s*"([^"]+)"\s*,\s*"([^"]+)"/g;
    for (const [, methods, path, name] of text.matchAll(re)) {
      if (name === 'ui_static') continue;
      for (const [, m] of methods.matchAll(/Method::k(\w+)/g)) ops.add(`${m.toUpperCase()} ${path}`);
    }
  }
  return ops;
}

// openapi.yaml's `paths:` map: two-space-indented path keys, four-space-indented method keys.
function documentedOperations() {
  const ops = new Set();
  let path = null;
  for (const line of read('openapi.yaml').split('\n')) {
    const p = /^ {2}(\/\S*):\s*$/.exec(line);
    if (p) { path = p[1]; continue; }
    if (/^\S/.test(line)) path = null;
    const m = /^ {4}(get|put|post|patch|delete|head|options):\s*$/.exec(line);
    if (path && m) ops.add(`${m[1].toUpperCase()} ${path}`);
  }
  return ops;
}

const minus = (a, b) => [...a].filter((x) => !b.has(x)).sort();

test('every route a handler registers is in openapi.yaml', () => {
  const documented = documentedOperations();
  // HEAD is served wherever GET is (RFC 9110); openapi.yaml need not list it.
  const served = new Set([...servedOperations()].filter((op) => !op.startsWith('HEAD ')));
  assert.ok(served.size > 30, `found only ${served.size} routes: the pattern no longer matches the handlers`);
  assert.deepEqual(minus(served, documented), []);
});

test('every operation of openapi.yaml is served', () => {
  const served = servedOperations();
  const documented = documentedOperations();
  assert.ok(documented.size > 30, `found only ${documented.size} operations in openapi.yaml`);
  // Paths whose handler registers them through a constant rather than a literal.
  const indirect = new Set(['GET /api/v1/auth/oidc/callback']);
  // HEAD is answered wherever GET is.
  const head = [...served].filter((op) => op.startsWith('GET ')).map((op) => op.replace(/^GET/, 'HEAD'));
  assert.deepEqual(minus(documented, new Set([...served, ...indirect, ...head])), []);
});

test('every /api/ operation of openapi.yaml is described in docs/api-spec.md', () => {
  const spec = read('docs/api-spec.md');
  const described = new Set();
  for (const [, m, path] of spec.matchAll(/\b(GET|PUT|POST|PATCH|DELETE) (\/api\/[^\s`?,)]*)/g)) {
    described.add(`${m} ${path}`);
  }
  const api = new Set([...documentedOperations()].filter((op) => op.split(' ')[1].startsWith('/api/')));
  assert.deepEqual(minus(api, described), []);
});
