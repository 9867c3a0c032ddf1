#!/usr/bin/env bash
# Type-checks Grafana dashboard JSON files against @grafana/schema's Dashboard type with tsc (no JSON schema
# is published; this is the closest offline check): wrong types, missing required fields, unknown keys.
# Usage: grafana-check.sh DASHBOARD.json…
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
i=0
for f in "$@"; do
  i=$((i + 1))
  jq -e . "$f" >/dev/null || { echo "$f: not valid JSON"; exit 1; }
  # Each dashboard becomes a typed constant; tsc reports excess and mistyped properties.
  # One header line shared with the JSON's first line keeps tsc's line numbers those of the dashboard file.
  # Loose<> turns the schema's TypeScript enums (ThresholdsMode…) into their string values, as JSON has them.
  { printf "import type { Dashboard } from '@grafana/schema'; import type { Loose } from './loose'; /*%s*/ " "$f"
    printf 'export const d%d: Loose<Dashboard> = ' "$i"
    cat "$f"
    echo ';'; } >"$work/d$i.ts"
done
cat >"$work/loose.ts" <<'TS'
export type Loose<T> = T extends string ? `${T}`
  : T extends readonly (infer U)[] ? Loose<U>[]
  : T extends object ? { [K in keyof T]: Loose<T[K]> }
  : T;
TS
cat >"$work/tsconfig.json" <<JSON
{ "compilerOptions": { "strict": true, "noEmit": true, "skipLibCheck": true, "module": "esnext",
  "moduleResolution": "bundler", "target": "es2022", "types": [],
  "paths": { "@grafana/schema": ["$here/node_modules/@grafana/schema"] },
  "typeRoots": ["$here/node_modules"] },
  "include": ["*.ts"] }
JSON
ln -s "$here/node_modules" "$work/node_modules"
cd "$work"
if ! out="$("$here/node_modules/.bin/tsc" -p tsconfig.json 2>&1)"; then
  # Map the generated file names back to the dashboards.
  for j in $(seq 1 "$i"); do
    name="$(head -1 "d$j.ts" | sed 's|.*/\*\(.*\)\*/.*|\1|')"
    out="${out//d$j.ts/$name}"
  done
  echo "$out"
  exit 1
fi
