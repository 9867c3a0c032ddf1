// Cross-checks kustomize cannot do (scripts/check-deploy.sh): node k8s-crosscheck.mjs OVERLAY_DIR RENDERED.yaml
// CLUSTER_RENDERED.yaml
//  - every patch target of the overlay's kustomization matches an object of the rendered base (kustomize
//    passes a patch that matches nothing silently);
//  - Deployment/PDB/Service selectors match the pod labels of some workload;
//  - ConfigMaps, Services and ServiceAccounts referenced exist in the render; Secrets referenced are the
//    external ones listed below (created by scripts/setup-eks.sh, never in git);
//  - the Ingress's cert-manager.io/cluster-issuer names a ClusterIssuer of k8s/cluster;
//  - Ingress backends name a Service port that exists (or an ALB action: use-annotation);
//  - terminationGracePeriodSeconds covers preStop sleep + SHORTENER_SHUTDOWN_GRACE_MS + 5 s.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import YAML from 'yaml';

const externalSecrets = new Set(['shortener-secrets', 'shortener-tls']);
const [overlay, renderedFile, clusterFile] = process.argv.slice(2);
const load = (text) => YAML.parseAllDocuments(text).map((d) => d.toJS()).filter(Boolean);
const objs = load(fs.readFileSync(renderedFile, 'utf8'));
const clusterObjs = load(fs.readFileSync(clusterFile, 'utf8'));
const problems = [];

// Patch targets against the base the overlay builds on.
const kustomization = YAML.parse(fs.readFileSync(path.join(overlay, 'kustomization.yaml'), 'utf8'));
const baseObjs = [];
for (const r of kustomization.resources ?? []) {
  const dir = path.join(overlay, r);
  if (fs.existsSync(path.join(dir, 'kustomization.yaml'))) baseObjs.push(...load(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' })));
  else baseObjs.push(...load(fs.readFileSync(dir, 'utf8')));
}
for (const p of kustomization.patches ?? []) {
  const t = p.target ?? {};
  const nameRe = t.name ? new RegExp(`^(?:${t.name})$`) : null;
  const hit = baseObjs.some((o) => (!t.kind || o.kind === t.kind) && (!nameRe || nameRe.test(o.metadata?.name)));
  if (!hit) problems.push(`${overlay}: patch target ${t.kind ?? '*'}/${t.name ?? '*'} matches no object`);
}

const byKind = (k) => objs.filter((o) => o.kind === k);
const names = (k) => new Set(byKind(k).map((o) => o.metadata.name));
const podTemplates = objs
  .filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet', 'Job'].includes(o.kind))
  .map((o) => ({ owner: `${o.kind}/${o.metadata.name}`, labels: o.spec?.template?.metadata?.labels ?? {}, spec: o.spec?.template?.spec ?? {} }));
const matches = (selector, labels) => Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);

for (const d of byKind('Deployment')) {
  if (!matches(d.spec?.selector?.matchLabels, d.spec?.template?.metadata?.labels ?? {}))
    problems.push(`Deployment/${d.metadata.name}: selector does not match its pod template labels`);
}
for (const pdb of byKind('PodDisruptionBudget')) {
  if (!podTemplates.some((t) => matches(pdb.spec?.selector?.matchLabels, t.labels)))
    problems.push(`PodDisruptionBudget/${pdb.metadata.name}: selector matches no pods`);
}
for (const s of byKind('Service')) {
  const pods = podTemplates.filter((t) => matches(s.spec?.selector, t.labels));
  if (!pods.length) problems.push(`Service/${s.metadata.name}: selector matches no pods`);
  for (const port of s.spec?.ports ?? []) {
    if (typeof port.targetPort === 'string' && !pods.some((t) => (t.spec.containers ?? []).some((c) => (c.ports ?? []).some((cp) => cp.name === port.targetPort))))
      problems.push(`Service/${s.metadata.name}: targetPort "${port.targetPort}" is no container port name`);
  }
}
const configMaps = names('ConfigMap');
const serviceAccounts = names('ServiceAccount');
for (const t of podTemplates) {
  if (t.spec.serviceAccountName && !serviceAccounts.has(t.spec.serviceAccountName))
    problems.push(`${t.owner}: ServiceAccount ${t.spec.serviceAccountName} is not defined`);
  for (const c of [...(t.spec.containers ?? []), ...(t.spec.initContainers ?? [])]) {
    for (const e of c.envFrom ?? []) {
      if (e.configMapRef && !configMaps.has(e.configMapRef.name)) problems.push(`${t.owner}: ConfigMap ${e.configMapRef.name} is not defined`);
      if (e.secretRef && !externalSecrets.has(e.secretRef.name)) problems.push(`${t.owner}: Secret ${e.secretRef.name} is not a known external Secret`);
    }
    for (const e of c.env ?? []) {
      const cm = e.valueFrom?.configMapKeyRef;
      if (cm && !configMaps.has(cm.name)) problems.push(`${t.owner}: ConfigMap ${cm.name} is not defined`);
      const sec = e.valueFrom?.secretKeyRef;
      if (sec && !externalSecrets.has(sec.name)) problems.push(`${t.owner}: Secret ${sec.name} is not a known external Secret`);
    }
    const volumes = new Set((t.spec.volumes ?? []).map((v) => v.name));
    for (const m of c.volumeMounts ?? []) if (!volumes.has(m.name)) problems.push(`${t.owner}: volumeMount ${m.name} has no volume`);
  }
}
const issuers = new Set(clusterObjs.filter((o) => o.kind === 'ClusterIssuer').map((o) => o.metadata.name));
const services = new Map(byKind('Service').map((s) => [s.metadata.name, s]));
for (const ing of byKind('Ingress')) {
  const issuer = ing.metadata.annotations?.['cert-manager.io/cluster-issuer'];
  if (issuer && !issuers.has(issuer)) problems.push(`Ingress/${ing.metadata.name}: ClusterIssuer ${issuer} is not in k8s/cluster`);
  for (const rule of ing.spec?.rules ?? []) {
    for (const p of rule.http?.paths ?? []) {
      const b = p.backend?.service;
      if (!b) continue;
      if (b.port?.name === 'use-annotation') {
        if (!ing.metadata.annotations?.[`alb.ingress.kubernetes.io/actions.${b.name}`])
          problems.push(`Ingress/${ing.metadata.name}: ${p.path} uses ALB action ${b.name}, which has no annotation`);
        continue;
      }
      const svc = services.get(b.name);
      if (!svc) problems.push(`Ingress/${ing.metadata.name}: ${p.path} → Service ${b.name} is not defined`);
      else if (!(svc.spec.ports ?? []).some((sp) => (b.port?.name && sp.name === b.port.name) || (b.port?.number && sp.port === b.port.number)))
        problems.push(`Ingress/${ing.metadata.name}: ${p.path} → Service ${b.name} has no port ${b.port?.name ?? b.port?.number}`);
    }
  }
}
for (const h of byKind('HorizontalPodAutoscaler')) {
  const ref = h.spec?.scaleTargetRef;
  if (ref && !objs.some((o) => o.kind === ref.kind && o.metadata.name === ref.name))
    problems.push(`HorizontalPodAutoscaler/${h.metadata.name}: target ${ref.kind}/${ref.name} is not defined`);
}
// Zero-drop shutdown: the pod must get its preStop sleep plus the server's shutdown grace (and a few seconds to
// flush clicks) before Kubernetes kills it.
for (const d of byKind('Deployment')) {
  const spec = d.spec?.template?.spec ?? {};
  const tgps = spec.terminationGracePeriodSeconds ?? 30;
  for (const c of spec.containers ?? []) {
    const cmName = (c.envFrom ?? []).map((e) => e.configMapRef?.name).find(Boolean);
    const cm = byKind('ConfigMap').find((m) => m.metadata.name === cmName);
    if (!cm) continue;
    const graceS = Number(cm.data?.SHORTENER_SHUTDOWN_GRACE_MS ?? 10000) / 1000;
    const cmd = c.lifecycle?.preStop?.exec?.command ?? [];
    const sleepS = cmd[0] === 'sleep' ? Number(cmd[1]) : 0;
    if (tgps < sleepS + graceS + 5)
      problems.push(`Deployment/${d.metadata.name}: terminationGracePeriodSeconds ${tgps} < preStop sleep ${sleepS} s + SHORTENER_SHUTDOWN_GRACE_MS ${graceS} s + 5 s`);
  }
}
for (const p of problems) console.log(p);
process.exit(problems.length ? 1 : 0);
