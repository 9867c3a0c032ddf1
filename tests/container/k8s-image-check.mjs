// The Kubernetes and Helm files against the images actually built (tests/container/run.sh), so that the manifests
// cannot drift from the images:  node k8s-image-check.mjs WORK_DIR MANIFESTS.yaml…
// WORK_DIR holds inspect-{api,worker,frontend,postgres,redis}.json (`podman image inspect`), help.txt (`shortener
// --help` run in the api image), postgres-version.txt and redis-version.txt (run in the stand-ins). Each manifest
// file is a kustomize render (`kubectl kustomize k8s/overlays/prod`) or k8s/base itself. For every container of
// every Deployment and Job:
//  - its image is one of the built images (by name: shortener-api, shortener-worker, shortener-frontend);
//  - a Deployment's args are the image's CMD; any args[0] is a command of the binary (`shortener --help`);
//  - its containerPorts are the image's EXPOSEd ports (both ways for Deployments), every probe names one of them;
//  - the liveness (or startup) probe asks the same port and path as the image's HEALTHCHECK;
//  - runAsUser/runAsGroup are the image's numeric USER;
//  - every environment variable it sets (env, secretKeyRef, the envFrom ConfigMap) is a setting the image's binary
//    lists in --help; SHORTENER_LISTEN / SHORTENER_METRICS_LISTEN name the exposed port; paths it sets that the
//    image also sets (SHORTENER_DATA_DIR, …) are the image's, or mounted; every VOLUME of the image is mounted
//    (readOnlyRootFilesystem);
// and helm/values-*.yaml name the PostgreSQL and Redis major versions docker-compose.yml and its images run, with the
// same database and user.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const YAML = createRequire(path.join(repo, 'tools/deploy-check/package.json'))('yaml');
const [work, ...manifests] = process.argv.slice(2);
const read = (f) => fs.readFileSync(path.join(work, f), 'utf8');
const errors = [];
const fail = (where, msg) => errors.push(`${where}: ${msg}`);

// The built images' metadata.
const images = {};
for (const name of ['api', 'worker', 'frontend', 'postgres', 'redis']) {
  const [img] = JSON.parse(read(`inspect-${name}.json`));
  const cfg = img.Config ?? {};
  const hc = img.Healthcheck ?? img.HealthCheck ?? cfg.Healthcheck ?? null;
  images[name] = {
    user: cfg.User ?? '',
    ports: Object.keys(cfg.ExposedPorts ?? {}).map((p) => Number(p.split('/')[0])),
    env: Object.fromEntries((cfg.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])),
    cmd: cfg.Cmd ?? [],
    volumes: Object.keys(cfg.Volumes ?? {}),
    // The HEALTHCHECK's URL (curl … http://127.0.0.1:PORT/PATH).
    health: (() => {
      const url = (hc?.Test ?? []).map(String).find((a) => /^https?:\/\//.test(a));
      if (!url) return null;
      const u = new URL(url);
      return { port: Number(u.port || 80), path: u.pathname };
    })(),
  };
}
const help = read('help.txt');
const settings = new Set(help.match(/\b[A-Z][A-Z0-9_]*_[A-Z0-9_]+\b/g) ?? []);
const commands = new Set();
for (const m of help.matchAll(/^\s+shortener ([a-z]+)/gm)) commands.add(m[1]);
if (!settings.has('DATABASE_URL') || !settings.has('SHORTENER_LISTEN')) fail('help.txt', 'no settings found in `shortener --help`');

const imageOf = (ref) => {
  const name = ref.replace(/[:@].*$/, '').split('/').pop();
  return { 'shortener-api': 'api', api: 'api', 'shortener-worker': 'worker', worker: 'worker',
    'shortener-frontend': 'frontend', frontend: 'frontend' }[name];
};
const portOf = (listen) => Number(String(listen).split(':').pop());

let checked = 0;
for (const file of manifests) {
  const docs = YAML.parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS()).filter(Boolean);
  const configMaps = Object.fromEntries(docs.filter((d) => d.kind === 'ConfigMap').map((d) => [d.metadata.name, d.data ?? {}]));
  let containers = 0;
  for (const obj of docs.filter((d) => ['Deployment', 'Job', 'StatefulSet', 'CronJob'].includes(d.kind))) {
    const pod = obj.kind === 'CronJob' ? obj.spec.jobTemplate.spec.template.spec : obj.spec.template.spec;
    for (const c of pod.containers) {
      const where = `${path.basename(file)}: ${obj.kind}/${obj.metadata.name} container ${c.name}`;
      const key = imageOf(c.image);
      if (!key) {
        fail(where, `image ${c.image} is none of the built images (shortener-api, shortener-worker, shortener-frontend)`);
        continue;
      }
      const img = images[key];
      containers++;
      const shortener = key !== 'frontend';
      // Command.
      if (c.command) fail(where, `sets command ${JSON.stringify(c.command)}: the image's ENTRYPOINT is the program`);
      const args = c.args ?? img.cmd;
      if (obj.kind === 'Deployment' && JSON.stringify(args) !== JSON.stringify(img.cmd)) {
        fail(where, `args ${JSON.stringify(args)} differ from the image's CMD ${JSON.stringify(img.cmd)}`);
      }
      if (shortener && args.length && !commands.has(args[0])) fail(where, `args[0] ${args[0]} is no command of \`shortener --help\``);
      // Ports and probes.
      const declared = new Map((c.ports ?? []).map((p) => [p.name ?? String(p.containerPort), p.containerPort]));
      for (const [name, port] of declared) {
        if (!img.ports.includes(port)) fail(where, `port ${name} (${port}) is not EXPOSEd by the image (${img.ports.join(', ') || 'none'})`);
      }
      if (obj.kind === 'Deployment') {
        for (const port of img.ports) {
          if (![...declared.values()].includes(port)) fail(where, `the image EXPOSEs ${port}, the container declares no such port`);
        }
      }
      const probePort = (p) => (typeof p === 'number' ? p : declared.get(p));
      for (const kind of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
        const get = c[kind]?.httpGet;
        if (!get) continue;
        const port = probePort(get.port);
        if (port === undefined || !img.ports.includes(port)) fail(where, `${kind} port ${get.port} is not an EXPOSEd port of the image`);
      }
      if (obj.kind === 'Deployment') {
        if (!img.health) fail(where, 'the image has no HEALTHCHECK with a URL');
        const live = [c.livenessProbe, c.startupProbe].map((p) => p?.httpGet).filter(Boolean);
        if (img.health && !live.some((g) => probePort(g.port) === img.health.port && g.path === img.health.path)) {
          fail(where, `no liveness/startup probe asks the image's HEALTHCHECK (port ${img.health.port}, ${img.health.path})`);
        }
      }
      // User.
      const sc = { ...(pod.securityContext ?? {}), ...(c.securityContext ?? {}) };
      const [uid, gid] = img.user.split(':');
      if (!/^\d+$/.test(uid ?? '') || uid === '0') fail(where, `image USER ${img.user || '(none)'} is not a numeric non-root user`);
      if (sc.runAsUser !== undefined && String(sc.runAsUser) !== uid) fail(where, `runAsUser ${sc.runAsUser}, image USER ${img.user}`);
      if (sc.runAsGroup !== undefined && gid !== undefined && String(sc.runAsGroup) !== gid) {
        fail(where, `runAsGroup ${sc.runAsGroup}, image USER ${img.user}`);
      }
      // Environment and secrets.
      const env = {};
      for (const from of c.envFrom ?? []) {
        if (from.configMapRef) Object.assign(env, configMaps[from.configMapRef.name] ?? {});
      }
      for (const e of c.env ?? []) env[e.name] = e.value ?? (e.valueFrom?.secretKeyRef ? `<secret ${e.valueFrom.secretKeyRef.name}>` : '<ref>');
      const mounts = (c.volumeMounts ?? []).map((m) => m.mountPath);
      const mounted = (p) => mounts.some((m) => p === m || p.startsWith(`${m}/`));
      if (shortener) {
        for (const name of Object.keys(env)) {
          if (!settings.has(name)) fail(where, `sets ${name}, which \`shortener --help\` of the image does not list`);
        }
        const listens = { api: 'SHORTENER_LISTEN', worker: 'SHORTENER_METRICS_LISTEN' };
        const lv = env[listens[key]] ?? img.env[listens[key]];
        if (obj.kind === 'Deployment' && lv && ![...declared.values()].includes(portOf(lv))) {
          fail(where, `${listens[key]}=${lv} is not a declared containerPort`);
        }
        for (const [name, value] of Object.entries(env)) {
          if (name in img.env && value.startsWith('/') && value !== img.env[name] && !mounted(value)) {
            fail(where, `${name}=${value} is neither the image's ${img.env[name]} nor mounted`);
          }
        }
      }
      // A Deployment's process writes its data dir (click spill journal); the migrate Job only talks to PostgreSQL.
      if (sc.readOnlyRootFilesystem && obj.kind === 'Deployment') {
        for (const v of img.volumes) if (!mounted(v)) fail(where, `the image's VOLUME ${v} is not mounted (read-only root)`);
        const dataDir = env.SHORTENER_DATA_DIR ?? img.env.SHORTENER_DATA_DIR;
        if (shortener && dataDir && !mounted(dataDir)) fail(where, `SHORTENER_DATA_DIR ${dataDir} is not mounted (read-only root)`);
      }
    }
  }
  if (containers < 4) fail(file, `only ${containers} containers of the built images (api, worker, frontend, migrate expected)`);
  checked += containers;
}

// Helm values against docker-compose.yml and the images it runs.
const compose = YAML.parse(fs.readFileSync(path.join(repo, 'docker-compose.yml'), 'utf8'));
const major = (s) => String(s).match(/(\d+)/)?.[1];
const pgHelm = YAML.parse(fs.readFileSync(path.join(repo, 'helm/values-postgresql.yaml'), 'utf8'));
const redisHelm = YAML.parse(fs.readFileSync(path.join(repo, 'helm/values-redis.yaml'), 'utf8'));
const versions = {
  postgres: [major(pgHelm.image?.tag), major(compose.services.postgres.image.split(':')[1]), major(read('postgres-version.txt').match(/\) (\d+)/)?.[1])],
  redis: [major(redisHelm.image?.tag), major(compose.services.redis.image.split(':')[1]), major(read('redis-version.txt').match(/v=(\d+)/)?.[1])],
};
for (const [name, [helm, comp, run]] of Object.entries(versions)) {
  if (!(helm && helm === comp && comp === run)) fail(`helm/values-${name === 'postgres' ? 'postgresql' : 'redis'}.yaml`, `major version ${helm}, docker-compose.yml ${comp}, image ${run}`);
}
const pgEnv = compose.services.postgres.environment;
if (pgHelm.auth?.username !== pgEnv.POSTGRES_USER || pgHelm.auth?.database !== pgEnv.POSTGRES_DB) {
  fail('helm/values-postgresql.yaml', `user/database ${pgHelm.auth?.username}/${pgHelm.auth?.database}, docker-compose.yml ${pgEnv.POSTGRES_USER}/${pgEnv.POSTGRES_DB}`);
}
if (String(compose.services.redis.image).split(':')[0] !== 'redis' || !images.redis.ports.includes(6379)) fail('redis', 'image or port');

if (errors.length) {
  for (const e of errors) console.error(`k8s-image-check: ${e}`);
  process.exit(1);
}
console.log(`k8s-image-check: ${checked} containers in ${manifests.map((f) => path.basename(f)).join(', ')} and helm/ match the built images`);
