#!/usr/bin/env bash
# Loads demo links and clicks into a running shortener through its public API (nothing touches the database
# directly), so dashboards and stats have something to show:
#   scripts/local-seed.sh [BASE_URL]          # default http://localhost:8080
#   LINKS=20 CLICKS=2000 scripts/local-seed.sh http://localhost:8080
# Creates LINKS links (custom slugs demo-1…, reused if they exist), then issues CLICKS redirects spread over
# them with varied User-Agent, Referer, Accept-Language, UTM parameters and X-Forwarded-For addresses.
# X-Forwarded-For is believed only from a peer listed in the server's SHORTENER_TRUSTED_PROXIES (e.g.
# 127.0.0.1/32 for a local server; docker-compose.yml sets the Docker networks); otherwise every click comes
# from this machine's address and the geo breakdown shows one location.
# Needs curl and jq. If the API needs a key (issue #7), pass it as API_KEY.
set -euo pipefail

base="${1:-${BASE_URL:-http://localhost:8080}}"
base="${base%/}"
links="${LINKS:-12}"
clicks="${CLICKS:-600}"
parallel="${PARALLEL:-8}"

for tool in curl jq; do
  command -v "$tool" >/dev/null || { echo "local-seed: $tool is required" >&2; exit 1; }
done
curl -fsS -o /dev/null "$base/healthz" || { echo "local-seed: no shortener answers at $base" >&2; exit 1; }

auth=()
if [ -n "${API_KEY:-}" ]; then auth=(-H "Authorization: Bearer $API_KEY"); fi

targets=(
  "https://en.wikipedia.org/wiki/URL_shortening"
  "https://github.com/boostorg/beast"
  "https://www.postgresql.org/docs/15/ddl-partitioning.html"
  "https://redis.io/docs/latest/develop/data-types/streams/"
  "https://kubernetes.io/docs/concepts/workloads/controllers/deployment/"
  "https://example.com/spring-sale?ref=newsletter"
  "https://example.org/blog/launch-announcement"
  "https://news.ycombinator.com/"
)
user_agents=(
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36"
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0"
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15"
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0"
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
  "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
  "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
  "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"
  "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"
  "curl/7.88.1"
)
referers=(
  ""
  "https://www.google.com/"
  "https://t.co/abc123"
  "https://www.facebook.com/"
  "https://www.linkedin.com/feed/"
  "https://news.ycombinator.com/item?id=1"
  "https://mail.google.com/"
  "https://duckduckgo.com/"
)
languages=("en-US,en;q=0.9" "de-DE,de;q=0.9,en;q=0.5" "fr-FR,fr;q=0.9" "ja-JP,ja;q=0.9" "pt-BR,pt;q=0.8" "es-ES,es;q=0.9")
# Public addresses in several countries (documentation ranges carry no location).
addresses=(
  "81.2.69.160" "2.125.160.216" "89.160.20.112" "216.160.83.56" "175.16.199.10"
  "8.8.8.8" "1.1.1.1" "185.60.216.35" "151.101.1.69" "46.4.0.1" "62.210.0.1" "200.160.2.3"
  "103.21.244.1" "41.0.0.1" "133.11.0.1" "149.154.167.99"
)
queries=("" "" "?utm_source=newsletter&utm_medium=email&utm_campaign=spring" "?utm_source=twitter&utm_medium=social")

echo "local-seed: creating $links links at $base" >&2
slugs=()
for i in $(seq 1 "$links"); do
  slug="demo-$i"
  url="${targets[$(((i - 1) % ${#targets[@]}))]}"
  body="$(jq -cn --arg url "$url" --arg slug "$slug" --arg tag "demo" '{url: $url, slug: $slug, tags: [$tag]}')"
  status="$(curl -sS -o /tmp/local-seed.$$ -w '%{http_code}' "${auth[@]}" -H 'Content-Type: application/json' \
    -X POST --data "$body" "$base/api/v1/links")"
  case "$status" in
    201) slugs+=("$slug") ;;
    409) slugs+=("$slug") ;;  # created by an earlier run
    *) echo "local-seed: creating $slug failed ($status): $(cat /tmp/local-seed.$$)" >&2 ;;
  esac
done
rm -f /tmp/local-seed.$$
((${#slugs[@]})) || { echo "local-seed: no links could be created" >&2; exit 1; }

# One curl process issues every redirect: a config file with one block per request, run in parallel.
config="$(mktemp)"
trap 'rm -f "$config"' EXIT
for n in $(seq 1 "$clicks"); do
  # Skewed popularity: low-numbered links get most clicks.
  r=$((RANDOM % 100))
  idx=$(((r * r / 100) * ${#slugs[@]} / 100))
  slug="${slugs[$idx]}"
  ua="${user_agents[$((RANDOM % ${#user_agents[@]}))]}"
  ref="${referers[$((RANDOM % ${#referers[@]}))]}"
  lang="${languages[$((RANDOM % ${#languages[@]}))]}"
  ip="${addresses[$((RANDOM % ${#addresses[@]}))]}"
  query="${queries[$((RANDOM % ${#queries[@]}))]}"
  {
    [ "$n" -gt 1 ] && echo "next"
    echo "url = \"$base/$slug$query\""
    echo "output = \"/dev/null\""
    echo "silent"
    printf 'write-out = "%%{http_code}\\n"\n'
    echo "header = \"User-Agent: $ua\""
    echo "header = \"Accept-Language: $lang\""
    echo "header = \"X-Forwarded-For: $ip\""
    if [ -n "$ref" ]; then echo "header = \"Referer: $ref\""; fi
  } >>"$config"
done

echo "local-seed: issuing $clicks redirects over ${#slugs[@]} links" >&2
codes="$(curl --silent --parallel --parallel-max "$parallel" -K "$config" | sort | uniq -c | awk '{printf "%s×%s ", $2, $1}')"
echo "local-seed: responses by status: $codes" >&2
echo "local-seed: clicks are stored asynchronously; totals: $base/api/v1/links?q=demo" >&2
