// What can be checked of helm/shortener-ingress without helm (not installable here): Chart.yaml's required fields,
// every values file parses and lists valid, unique hosts (the rule the chart's checkHost enforces at render time),
// every `.Values.…` a template reads exists in values.yaml, and every `include` names a template _helpers.tpl
// defines. Rendering itself (`helm template`, `helm lint`) is left to CI with helm. Exits 1 on any problem.
//   node helm-check.mjs helm/shortener-ingress
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

const chartDir = process.argv[2] ?? 'helm/shortener-ingress';
const problems = [];
const read = (f) => fs.readFileSync(path.join(chartDir, f), 'utf8');

const chart = YAML.parse(read('Chart.yaml'));
if (chart.apiVersion !== 'v2') problems.push('Chart.yaml: apiVersion must be v2');
if (chart.name !== path.basename(chartDir)) problems.push(`Chart.yaml: name ${chart.name} is not the directory's`);
if (!/^\d+\.\d+\.\d+$/.test(String(chart.version))) problems.push('Chart.yaml: version must be SemVer');

const hostRule = /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const values = YAML.parse(read('values.yaml'));
for (const file of fs.readdirSync(chartDir).filter((f) => /^values.*\.ya?ml$/.test(f))) {
  const v = YAML.parse(read(file)) ?? {};
  const seen = new Set();
  for (const [i, d] of (v.domains ?? []).entries()) {
    if (!d || typeof d.host !== 'string' || !hostRule.test(d.host) || d.host.length > 253) {
      problems.push(`${file}: domains[${i}].host ${JSON.stringify(d?.host)} is not a lower-case host name`);
    } else if (seen.has(d.host)) {
      problems.push(`${file}: domains[${i}].host ${d.host} is listed twice`);
    }
    seen.add(d?.host);
  }
}

const templates = fs.readdirSync(path.join(chartDir, 'templates')).map((f) => [f, read(`templates/${f}`)]);
const defined = new Set();
for (const [, text] of templates) for (const m of text.matchAll(/define\s+"([^"]+)"/g)) defined.add(m[1]);
for (const [file, text] of templates) {
  for (const m of text.matchAll(/include\s+"([^"]+)"/g)) {
    if (!defined.has(m[1])) problems.push(`templates/${file}: include "${m[1]}" is defined nowhere`);
  }
  for (const m of text.matchAll(/\.Values\.([A-Za-z0-9_.]+)/g)) {
    let node = values;
    for (const key of m[1].split('.')) node = node && typeof node === 'object' ? node[key] : undefined;
    if (node === undefined) problems.push(`templates/${file}: .Values.${m[1]} is not in values.yaml`);
  }
  const opens = (text.match(/\{\{-?\s*(if|range|with|define)\b/g) ?? []).length;
  const ends = (text.match(/\{\{-?\s*end\b/g) ?? []).length;
  if (opens !== ends) problems.push(`templates/${file}: ${opens} if/range/with/define but ${ends} end`);
}

for (const p of problems) console.log(p);
process.exit(problems.length ? 1 : 0);
