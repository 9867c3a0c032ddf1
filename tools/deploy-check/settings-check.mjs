// The shortener settings the deployment files set (ConfigMaps of the rendered overlays, the environment of the
// docker-compose services, `${VAR:-default}` read as its default) against the program:
//   node settings-check.mjs src/app/config.cpp docker-compose.yml RENDERED.yaml…
//  - every SHORTENER_* / DATABASE_URL / REDIS_URL name must be a setting of src/app/config.cpp (the program
//    ignores unknown variables, so a misspelt one would silently do nothing);
//  - with SHORTENER_BIN set (ctest passes the built binary), the values are also run through the program's own
//    parser: `shortener migrate` in embedded mode on a temporary SQLite file with exactly these settings.
// Names the program does not read yet but the deployment sets on purpose are listed in `pending`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import YAML from 'yaml';

const pending = new Set(['PUSHGATEWAY_URL']);  // worker push to the Pushgateway (issue #8)
const [configCpp, composeFile, ...rendered] = process.argv.slice(2);
const known = new Set([...fs.readFileSync(configCpp, 'utf8').matchAll(/\{"([A-Z_]+)", "--/g)].map((m) => m[1]));
if (!known.size) {
  console.log(`${configCpp}: no settings table found`);
  process.exit(1);
}
const sets = [];  // {where, env: {name: value}}
const interpolate = (v) => String(v).replace(/\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-([^}]*))?\}/g, (_, d) => d ?? '');
const compose = YAML.parse(fs.readFileSync(composeFile, 'utf8'), { merge: true });
for (const [name, svc] of Object.entries(compose.services ?? {})) {
  let env = svc.environment ?? {};
  if (Array.isArray(env)) env = Object.fromEntries(env.map((e) => e.split(/=(.*)/s).slice(0, 2)));
  env = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, interpolate(v)]));
  if (String(svc.image ?? '').startsWith('shortener-')) sets.push({ where: `docker-compose service ${name}`, env });
}
for (const file of rendered) {
  for (const d of YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
    const o = d.toJS();
    if (!o) continue;
    if (o.kind === 'ConfigMap' && o.metadata?.name === 'shortener-config') sets.push({ where: `${file} ConfigMap/${o.metadata.name}`, env: o.data ?? {} });
    for (const c of o.spec?.template?.spec?.containers ?? []) {
      const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? '(from a Secret)']));
      sets.push({ where: `${file} ${o.kind}/${o.metadata.name} container ${c.name}`, env, namesOnly: true });
    }
  }
}
const problems = [];
for (const s of sets) {
  for (const name of Object.keys(s.env)) {
    if (!(name.startsWith('SHORTENER_') || ['DATABASE_URL', 'REDIS_URL'].includes(name) || pending.has(name))) continue;
    if (!known.has(name) && !pending.has(name)) problems.push(`${s.where}: ${name} is not a shortener setting (src/app/config.cpp)`);
  }
}
const bin = process.env.SHORTENER_BIN;
if (bin && fs.existsSync(bin)) {
  for (const s of sets.filter((x) => !x.namesOnly)) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'settings-check-'));
    const env = { PATH: process.env.PATH };
    for (const [k, v] of Object.entries(s.env)) if (known.has(k) && !['DATABASE_URL', 'REDIS_URL'].includes(k)) env[k] = String(v);
    env.SHORTENER_DATA_DIR = dir;
    const r = spawnSync(bin, ['migrate'], { env, encoding: 'utf8', timeout: 20000 });
    if (r.status !== 0) problems.push(`${s.where}: rejected by ${bin}: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
    fs.rmSync(dir, { recursive: true, force: true });
  }
} else {
  console.log('note: SHORTENER_BIN not set or missing: values not run through the program, names only');
}
for (const p of problems) console.log(p);
process.exit(problems.length ? 1 : 0);
