// After `next build`: the Content-Security-Policy the export satisfies (sha256 of every inline script,
// written to out/.csp, which `shortener serve` sends with HTML) and a precompressed `.gz` sibling of each
// compressible file (served when the client accepts gzip).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { gzipSync, constants } from 'node:zlib';

const out = new URL('../out/', import.meta.url).pathname;
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    if (s.isDirectory()) walk(p); else files.push(p);
  }
})(out);

const hashes = new Set();
for (const f of files.filter((f) => f.endsWith('.html'))) {
  const html = readFileSync(f, 'utf8');
  for (const m of html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)) {
    hashes.add(`'sha256-${createHash('sha256').update(m[1], 'utf8').digest('base64')}'`);
  }
}
const csp = [
  "default-src 'self'",
  `script-src 'self' ${[...hashes].sort().join(' ')}`,
  "style-src 'self'",  // no inline styles: React sets style props through the CSSOM, which CSP allows
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');
writeFileSync(join(out, '.csp'), csp + '\n');

const compressible = new Set(['.html', '.js', '.css', '.json', '.txt', '.svg', '.map', '.xml', '.webmanifest', '.ico']);
let n = 0;
for (const f of files) {
  if (!compressible.has(extname(f))) continue;
  const raw = readFileSync(f);
  if (raw.length < 256) continue;
  const gz = gzipSync(raw, { level: constants.Z_BEST_COMPRESSION });
  if (gz.length < raw.length * 0.9) { writeFileSync(f + '.gz', gz); n++; }
}
console.log(`postbuild: ${hashes.size} inline script hashes in out/.csp, ${n} .gz files`);
