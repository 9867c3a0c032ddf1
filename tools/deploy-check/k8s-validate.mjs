// Schema check of rendered Kubernetes manifests, offline: `kubectl kustomize DIR | node k8s-validate.mjs -`
// (or file arguments). For each object:
//  - kubernetes-models (ajv, k8s ≈1.30; cert-manager CRDs too): types, required fields, enums, formats;
//  - @kubernetes/client-node's generated field lists (k8s 1.36): unknown fields anywhere in a built-in
//    object, and apiVersions no longer served (e.g. networking.k8s.io/v1beta1 Ingress).
// Not checked: unknown fields inside CRD objects, annotation values, references between objects.
// Prints one line per problem; exits 1 if there is any.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import YAML from 'yaml';

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = path.join(here, 'node_modules');
// client-node's package entry crashes on Node 20 (undici zstd): read its generated models directly.
const clientModels = path.join(modules, '@kubernetes/client-node/dist/gen/models');

const crdPackages = { 'cert-manager.io': '@kubernetes-models/cert-manager', 'acme.cert-manager.io': '@kubernetes-models/cert-manager' };

const problems = [];
const modelCache = new Map();

async function clientModel(name) {
  if (modelCache.has(name)) return modelCache.get(name);
  const file = path.join(clientModels, `${name}.js`);
  let model = null;
  if (fs.existsSync(file)) model = (await import(pathToFileURL(file).href))[name] ?? null;
  modelCache.set(name, model);
  return model;
}

const scalar = new Set(['string', 'number', 'boolean', 'Date', 'any', 'object', 'IntOrString', 'RuntimeRawExtension']);

// Reports keys that the client-node model `type` does not know, recursively.
async function checkFields(value, type, where) {
  if (value === null || value === undefined || scalar.has(type)) return;
  let m = /^Array<(.+)>$/.exec(type);
  if (m) {
    if (Array.isArray(value)) for (const [i, v] of value.entries()) await checkFields(v, m[1], `${where}[${i}]`);
    return;
  }
  m = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (m) {
    if (typeof value === 'object') for (const [k, v] of Object.entries(value)) await checkFields(v, m[1], `${where}.${k}`);
    return;
  }
  const model = await clientModel(type);
  if (!model || typeof value !== 'object' || Array.isArray(value)) return;
  const attrs = new Map(model.attributeTypeMap.map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value)) {
    if (!attrs.has(k)) problems.push(`${where}: unknown field "${k}"`);
    else await checkFields(v, attrs.get(k), `${where}.${k}`);
  }
}

function versionClass(apiVersion, kind) {
  const version = apiVersion.includes('/') ? apiVersion.split('/')[1] : apiVersion;
  return version.charAt(0).toUpperCase() + version.slice(1) + kind;
}

async function validate(doc, label) {
  const { apiVersion, kind } = doc;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    problems.push(`${label}: apiVersion and kind are required`);
    return;
  }
  const where = `${label} ${kind}/${doc.metadata?.name ?? '?'}`;
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  const version = apiVersion.split('/').pop();
  let modelFile;
  if (crdPackages[group]) modelFile = path.join(modules, crdPackages[group], group, version, `${kind}.mjs`);
  else modelFile = path.join(modules, 'kubernetes-models', group || '', version, `${kind}.mjs`);
  if (!fs.existsSync(modelFile)) {
    problems.push(`${where}: unknown apiVersion/kind ${apiVersion} ${kind}`);
    return;
  }
  const Model = (await import(pathToFileURL(modelFile).href))[kind];
  try {
    new Model(doc).validate();
  } catch (e) {
    const details = (e.errors ?? []).map((x) => `${x.instancePath || '/'} ${x.message}${x.params?.additionalProperty ? ` (${x.params.additionalProperty})` : ''}${x.params?.allowedValues ? ` (${x.params.allowedValues.join('|')})` : ''}`);
    problems.push(`${where}: ${details.length ? details.join('; ') : e.message}`);
  }
  if (crdPackages[group]) return;
  const name = versionClass(apiVersion, kind);
  const model = await clientModel(name);
  if (!model) {
    problems.push(`${where}: ${apiVersion} ${kind} is not served by current Kubernetes (removed API version?)`);
    return;
  }
  await checkFields(doc, name, where);
}

const inputs = process.argv.slice(2);
if (!inputs.length) {
  console.error('usage: node k8s-validate.mjs FILE… (- for stdin)');
  process.exit(2);
}
let count = 0;
for (const input of inputs) {
  const text = fs.readFileSync(input === '-' ? 0 : input, 'utf8');
  const docs = YAML.parseAllDocuments(text);
  for (const [i, d] of docs.entries()) {
    const label = `${input === '-' ? 'stdin' : input}#${i}`;
    if (d.errors.length) {
      problems.push(`${label}: YAML: ${d.errors[0].message}`);
      continue;
    }
    const doc = d.toJS();
    if (doc === null) continue;
    count++;
    await validate(doc, label);
  }
}
for (const p of problems) console.log(p);
if (!count) console.log('no Kubernetes objects found');
process.exit(problems.length || !count ? 1 : 0);
