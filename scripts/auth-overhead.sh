#!/usr/bin/env bash
# What the key check costs a prediction: wrk against the embedded gateway's REST predict route (1 row, 8 connections),
# alternating rounds without credentials (no key configured: the loopback default) and with an API key (admin key
# configured, a predict-only key sent as X-Api-Key), on the same data. Needs the Release build, wrk and curl.
#   scripts/auth-overhead.sh [rounds=3] [seconds=10]
# BASELINE=path/to/OrleansMl.Gateway.dll adds a third configuration per round: another build (e.g. one without access
# control), without a key, on the same data.
# Prints per round requests/s, latency and the gateway's CPU time per request (user + system, from /proc), and the
# medians. CPU time per request moves less than throughput when other processes share the cores, but final figures
# still belong to a quiet machine.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds=${1:-3}
seconds=${2:-10}
gateway="$root/Gateway/bin/Release/net10.0/OrleansMl.Gateway.dll"
[ -f "$gateway" ] || { echo "build first: dotnet build -c Release" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

port=18480; silo=18481; client=18482
url="http://127.0.0.1:$port"
work=$(mktemp -d)
admin="bench-admin-$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')"
pid=
stop() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; pid=; }
trap 'stop; rm -rf "$work"' EXIT

start() { # $1: admin key or empty, $2: the gateway to run (default: this build)
  OrleansMl__Auth__AdminKey="$1" dotnet "${2:-$gateway}" --urls "$url" "--OrleansMl:DataDirectory=$work/data" \
    "--OrleansMl:SiloPort=$silo" "--OrleansMl:GatewayPort=$client" >>"$work/gateway.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 120); do curl -sf "$url/health/ready" >/dev/null && return 0; kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  echo "the gateway did not start" >&2; tail -n 40 "$work/gateway.log" >&2; exit 1
}

# Setup without credentials: a dataset and a trained version, promoted to production.
start ""
curl -sf -X POST "$url/api/datasets/bench" -H 'Content-Type: text/csv' --data-binary @"$root/samples/churn.csv" >/dev/null
curl -sf -X POST "$url/api/models/bench/train" -H 'Content-Type: application/json' -d '{"dataset":"bench","label":"churned","algorithm":"lightgbm"}' >/dev/null
until curl -sf "$url/api/models/bench/versions/1" | grep -q '"status":"succeeded"'; do sleep 0.5; done
curl -sf -X PUT "$url/api/models/bench/aliases/production" -H 'Content-Type: application/json' -d '{"version":1}' >/dev/null
key=$(curl -sf -X POST "$url/api/keys" -H 'Content-Type: application/json' -d '{"name":"bench-service","scopes":["predict"]}' | sed -E 's/.*"key":"([^"]+)".*/\1/')
stop

cat >"$work/predict.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"rows":[{"tenure_months":2,"monthly_charges":95.5,"contract":"month-to-month","internet":"fiber","support_calls":5,"paperless":"yes"}]}'
wrk.headers["Content-Type"] = "application/json"
local key = os.getenv("BENCH_KEY")
if key ~= nil and key ~= "" then wrk.headers["X-Api-Key"] = key end
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %.0f %.3f %.3f %d\n", summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors))
end
LUA

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }

measure() { # $1: label, $2: admin key or empty, $3: key to send or empty, $4: the gateway (default: this build)
  start "$2" "${4:-}"
  BENCH_KEY="$3" wrk -t2 -c8 -d2s -s "$work/predict.lua" "$url/api/models/bench/predict" >/dev/null   # warm-up
  local line before after
  before=$(cpu_ticks)
  line=$(BENCH_KEY="$3" wrk -t2 -c8 -d"${seconds}s" -s "$work/predict.lua" "$url/api/models/bench/predict" | grep '^RESULT')
  after=$(cpu_ticks)
  stop
  read -r _ rps p50 p99 errors <<<"$line"
  local cpu
  cpu=$(awk -v t="$((after - before))" -v hz="$(getconf CLK_TCK)" -v r="$rps" -v s="$seconds" 'BEGIN { printf "%.1f", t / hz * 1e6 / (r * s) }')
  printf '%-12s %8s req/s  p50 %6s ms  p99 %6s ms  %6s µs CPU/request  errors %s\n' "$1" "$rps" "$p50" "$p99" "$cpu" "$errors"
  echo "$rps" >>"$work/$1"
  echo "$cpu" >>"$work/$1.cpu"
}

for round in $(seq 1 "$rounds"); do
  echo "round $round"
  measure "no-key" "" ""
  measure "with-key" "$admin" "$key"
  if [ -n "${BASELINE:-}" ]; then measure "baseline" "" "" "$BASELINE"; fi
done

median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
without=$(median "$work/no-key"); with=$(median "$work/with-key")
awk -v a="$without" -v b="$with" 'BEGIN { printf "median throughput: %.0f req/s without a key, %.0f with one: %+.1f%%\n", a, b, (b - a) / a * 100 }'
without=$(median "$work/no-key.cpu"); with=$(median "$work/with-key.cpu")
awk -v a="$without" -v b="$with" 'BEGIN { printf "median CPU per request: %.1f µs without a key, %.1f with one: %+.1f%%\n", a, b, (b - a) / a * 100 }'
if [ -n "${BASELINE:-}" ]; then
  base=$(median "$work/baseline"); with=$(median "$work/with-key")
  awk -v a="$base" -v b="$with" 'BEGIN { printf "median throughput of the baseline build: %.0f req/s; with a key: %+.1f%%\n", a, (b - a) / a * 100 }'
  base=$(median "$work/baseline.cpu"); with=$(median "$work/with-key.cpu")
  awk -v a="$base" -v b="$with" 'BEGIN { printf "median CPU per request of the baseline build: %.1f µs; with a key: %+.1f%%\n", a, (b - a) / a * 100 }'
fi
