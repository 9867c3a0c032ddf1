// Writes Helm values for the prometheus-community/prometheus chart from the repository's own Prometheus files,
// so the cluster runs exactly prometheus/alerts.yml and the scrape jobs of prometheus/prometheus.yml
// (used by scripts/setup-eks.sh): node prometheus-values.mjs > values.yaml
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const alerts = YAML.parse(fs.readFileSync(path.join(root, 'prometheus/alerts.yml'), 'utf8'));
const config = YAML.parse(fs.readFileSync(path.join(root, 'prometheus/prometheus.yml'), 'utf8'));
const values = {
  serverFiles: { 'alerting_rules.yml': alerts },
  // The chart appends these to its default jobs; ours carry the job names the alerts and dashboards use.
  extraScrapeConfigs: YAML.stringify(config.scrape_configs),
  'prometheus-pushgateway': { enabled: true, fullnameOverride: 'prometheus-pushgateway' },
  alertmanager: { enabled: true },
};
process.stdout.write(YAML.stringify(values));
