#!/usr/bin/env bash
# A local OrleansMl cluster in one command: a throwaway PostgreSQL from the installed server binaries, the schema,
# N silos and M gateways, each on its own loopback ports, with every log and pid in one folder.
#
#   scripts/cluster.sh up            start whatever is not running yet (builds first when the sources changed)
#   scripts/cluster.sh status        what runs, where
#   scripts/cluster.sh scale S G     S silos and G gateways: starts the missing ones, stops (SIGTERM) those numbered
#                                    above, gateways first when shrinking, silos first when growing
#   scripts/cluster.sh down          stop gateways, then silos (SIGTERM: they leave the cluster cleanly), then PostgreSQL;
#                                    the data stays for the next "up"
#   scripts/cluster.sh down --wipe   the same, then delete the data, logs and folder
#
# Settings (environment variables; "up" remembers them in $CLUSTER_DIR/cluster.env for later commands):
#   SILOS=3 GATEWAYS=1      how many of each (1-9)
#   BASE_PORT=8080          gateway j listens on BASE_PORT+j-1, PostgreSQL on BASE_PORT+10, silo i serves
#                           /health/* and /metrics on BASE_PORT+10+i, Orleans silo port BASE_PORT+20+i, gateway port BASE_PORT+30+i
#   CLUSTER_DIR=.cluster    logs, pids and the PostgreSQL data (relative to the repository root)
#   POSTGRES=<connection>   use this existing database (an Npgsql connection string) instead of a local server
#   CONFIGURATION=Release   which build to run; BUILD=auto|always|never (auto: when a source is newer than the build)
#   OrleansMl__*            passed on to every silo and gateway (e.g. OrleansMl__TrainingConcurrency=2)
#   PIN_SILOS=1             run silo i on core (i-1) mod cores only (taskset), as one-core machines would; not remembered
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

die() { echo "cluster: $*" >&2; exit 1; }
say() { echo "cluster: $*"; }

CLUSTER_DIR=${CLUSTER_DIR:-.cluster}
case "$CLUSTER_DIR" in /*) ;; *) CLUSTER_DIR="$ROOT/$CLUSTER_DIR" ;; esac
STATE="$CLUSTER_DIR/cluster.env"
PG_DIR="$CLUSTER_DIR/postgres"

# Settings given now win over the ones remembered by the last "up", which win over the defaults.
given_silos=${SILOS:-} given_gateways=${GATEWAYS:-} given_base=${BASE_PORT:-} given_pg=${POSTGRES:-} given_conf=${CONFIGURATION:-}
SILOS='' GATEWAYS='' BASE_PORT='' POSTGRES='' CONFIGURATION=''
# shellcheck source=/dev/null
[ -f "$STATE" ] && . "$STATE"
SILOS=${given_silos:-${SILOS:-3}}
GATEWAYS=${given_gateways:-${GATEWAYS:-1}}
BASE_PORT=${given_base:-${BASE_PORT:-8080}}
POSTGRES=${given_pg:-${POSTGRES:-}}
CONFIGURATION=${given_conf:-${CONFIGURATION:-Release}}
BUILD=${BUILD:-auto}

[[ "$SILOS" =~ ^[1-9]$ ]] || die "SILOS must be 1-9 (got '$SILOS')"
[[ "$GATEWAYS" =~ ^[1-9]$ ]] || die "GATEWAYS must be 1-9 (got '$GATEWAYS')"
[[ "$BASE_PORT" =~ ^[0-9]+$ ]] && [ "$BASE_PORT" -ge 1024 ] && [ "$BASE_PORT" -le 65495 ] \
  || die "BASE_PORT must be between 1024 and 65495 (got '$BASE_PORT')"

PG_PORT=$((BASE_PORT + 10))
gateway_http() { echo $((BASE_PORT + $1 - 1)); }
silo_http() { echo $((BASE_PORT + 10 + $1)); }
silo_port() { echo $((BASE_PORT + 20 + $1)); }
silo_gateway_port() { echo $((BASE_PORT + 30 + $1)); }

SILO_DLL="$ROOT/Silo/bin/$CONFIGURATION/net10.0/OrleansMl.Silo.dll"
GATEWAY_DLL="$ROOT/Gateway/bin/$CONFIGURATION/net10.0/OrleansMl.Gateway.dll"

as_root=false
[ "$(id -u)" -eq 0 ] && as_root=true

# PostgreSQL refuses to run as root: under root its tools run as the postgres user.
pg() {
  if $as_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bin() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then echo "$dir"; return; fi
  done
  die "no PostgreSQL server binaries under /usr/lib/postgresql/<major>/bin: install them (apt-get install -y postgresql) or set POSTGRES to an existing database"
}

connection_string() {
  if [ -n "$POSTGRES" ]; then echo "$POSTGRES"; else echo "Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=orleansml"; fi
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# GET http://127.0.0.1:<port><path> answers 200 (curl when installed, else bash's own /dev/tcp).
http_ok() {
  if command -v curl >/dev/null 2>&1; then
    curl -fs -o /dev/null --max-time 3 "$1"
    return
  fi
  local rest=${1#http://}
  local address=${rest%%/*}
  (
    exec 3<>"/dev/tcp/${address%:*}/${address##*:}" || exit 1
    printf 'GET /%s HTTP/1.0\r\nHost: %s\r\n\r\n' "${rest#*/}" "$address" >&3
    read -r -t 3 _ code _ <&3 && [ "$code" = 200 ]
  ) 2>/dev/null
}

# When process $1 started (clock ticks since boot; the fields after the command name, which ends at the last ')').
started_at() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  # shellcheck disable=SC2086
  set -- $stat
  echo "${20}"
}

# A pid file names a live process of ours only if that process still runs the same program and, where launch noted
# it, started when ours did: a killed process's number can be taken by a new one, such as another cluster's gateway
# on the same machine, and stopping that one by mistake would kill it as it starts.
alive() {
  local file=$1 program=$2 pid
  [ -f "$file" ] || return 1
  pid=$(cat "$file")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "$program" || return 1
  [ ! -f "${file%.pid}.started" ] || [ "$(started_at "$pid")" = "$(cat "${file%.pid}.started")" ]
}

pg_running() { [ -z "$POSTGRES" ] && [ -f "$PG_DIR/data/postmaster.pid" ] && pg "$(pg_bin)/pg_ctl" -D "$PG_DIR/data" status >/dev/null 2>&1; }

save_state() {
  mkdir -p "$CLUSTER_DIR"
  {
    printf 'SILOS=%q\nGATEWAYS=%q\nBASE_PORT=%q\nCONFIGURATION=%q\n' "$SILOS" "$GATEWAYS" "$BASE_PORT" "$CONFIGURATION"
    printf 'POSTGRES=%q\n' "$POSTGRES"
  } >"$STATE"
}

build_if_needed() {
  local stale=''
  case "$BUILD" in
    never) ;;
    always) stale=yes ;;
    auto)
      if [ ! -f "$SILO_DLL" ] || [ ! -f "$GATEWAY_DLL" ]; then
        stale=yes
      else
        local oldest=$SILO_DLL
        [ "$GATEWAY_DLL" -ot "$SILO_DLL" ] && oldest=$GATEWAY_DLL
        stale=$(find Grains Grains.Interfaces Silo Gateway Directory.Build.props Directory.Packages.props \
          \( -name bin -o -name obj \) -prune -o -type f \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.sql' -o -name '*.json' \) \
          -newer "$oldest" -print -quit)
      fi ;;
    *) die "BUILD must be auto, always or never (got '$BUILD')" ;;
  esac
  if [ -n "$stale" ]; then
    say "building ($CONFIGURATION)"
    dotnet build Silo/Silo.csproj -c "$CONFIGURATION" -nologo -v quiet >/dev/null || die "the silo did not build: run dotnet build Silo/Silo.csproj -c $CONFIGURATION"
    dotnet build Gateway/Gateway.csproj -c "$CONFIGURATION" -nologo -v quiet >/dev/null || die "the gateway did not build: run dotnet build Gateway/Gateway.csproj -c $CONFIGURATION"
  fi
  [ -f "$SILO_DLL" ] && [ -f "$GATEWAY_DLL" ] || die "no $CONFIGURATION build of the silo and gateway: run dotnet build OrleansMl.sln -c $CONFIGURATION"
}

require_free() {
  local port=$1 what=$2
  if listening "$port"; then
    die "port $port ($what) is taken by another program: choose other ports with BASE_PORT=..."
  fi
}

start_postgres() {
  [ -n "$POSTGRES" ] && return
  local bin
  bin=$(pg_bin)
  if pg_running; then return; fi
  require_free "$PG_PORT" "PostgreSQL"
  mkdir -p "$PG_DIR"
  if $as_root; then chown postgres:postgres "$PG_DIR"; fi
  pg test -w "$PG_DIR" || die "the postgres user cannot write to $PG_DIR (is a parent folder private?): set CLUSTER_DIR to a folder it can reach"
  if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
    say "creating a PostgreSQL cluster in $PG_DIR/data"
    pg "$bin/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --no-locale >"$PG_DIR/initdb.log" 2>&1 \
      || die "initdb failed: see $PG_DIR/initdb.log"
  fi
  say "starting PostgreSQL on 127.0.0.1:$PG_PORT"
  pg "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 60 \
    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $PG_DIR -c max_connections=200" start >/dev/null \
    || die "PostgreSQL did not start: see $PG_DIR/postgres.log"
  if ! pg "$bin/psql" -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres -tAc "select 1 from pg_database where datname = 'orleansml'" | grep -q 1; then
    pg "$bin/psql" -h "$PG_DIR" -p "$PG_PORT" -U postgres -d postgres -qc "create database orleansml" >/dev/null || die "could not create the orleansml database"
  fi
}

migrate() {
  say "installing the schema (Silo migrate)"
  OrleansMl__PostgresConnectionString=$(connection_string) dotnet "$SILO_DLL" migrate >"$CLUSTER_DIR/migrate.log" 2>&1 \
    || die "Silo migrate failed: see $CLUSTER_DIR/migrate.log"
}

# Starts a process in its own session (it outlives this shell), its output appended to its log with timestamps.
launch() {
  local name=$1; shift
  echo "== $(date -Is) starting" >>"$CLUSTER_DIR/$name.log"
  Logging__Console__TimestampFormat=${Logging__Console__TimestampFormat:-'HH:mm:ss.fff '} \
  DOTNET_TC_CallCountingDelayMs=${DOTNET_TC_CallCountingDelayMs:-0} \
  DOTNET_TC_CallCountThreshold=${DOTNET_TC_CallCountThreshold:-200} \
    setsid "$@" >>"$CLUSTER_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$CLUSTER_DIR/$name.pid"
  started_at $! >"$CLUSTER_DIR/$name.started" || echo exited >"$CLUSTER_DIR/$name.started"
}

start_silo() {
  local i=$1
  alive "$CLUSTER_DIR/silo-$i.pid" OrleansMl.Silo.dll && return
  require_free "$(silo_http "$i")" "silo $i health"
  require_free "$(silo_port "$i")" "silo $i"
  require_free "$(silo_gateway_port "$i")" "silo $i gateway"
  say "starting silo $i (silo port $(silo_port "$i"), gateway port $(silo_gateway_port "$i"))"
  local pin=()
  if [ "${PIN_SILOS:-0}" = 1 ]; then
    command -v taskset >/dev/null || die "PIN_SILOS=1 needs taskset (apt-get install -y util-linux)"
    pin=(taskset -c $(((i - 1) % $(nproc))))
  fi
  launch "silo-$i" "${pin[@]}" env \
    OrleansMl__Mode=Cluster \
    OrleansMl__PostgresConnectionString="$(connection_string)" \
    OrleansMl__AdvertisedAddress=127.0.0.1 \
    OrleansMl__SiloPort="$(silo_port "$i")" \
    OrleansMl__GatewayPort="$(silo_gateway_port "$i")" \
    dotnet "$SILO_DLL" --urls "http://127.0.0.1:$(silo_http "$i")"
}

start_gateway() {
  local j=$1
  alive "$CLUSTER_DIR/gateway-$j.pid" OrleansMl.Gateway.dll && return
  require_free "$(gateway_http "$j")" "gateway $j"
  say "starting gateway $j"
  launch "gateway-$j" env \
    OrleansMl__Mode=Cluster \
    OrleansMl__PostgresConnectionString="$(connection_string)" \
    dotnet "$GATEWAY_DLL" --urls "http://127.0.0.1:$(gateway_http "$j")"
}

# The process launch started is still running: alive checks its command line too, which right after the launch may still
# be this script's (between the fork and the exec), so a process just started is judged by its state alone.
running() {
  local pid state
  pid=$(cat "$1" 2>/dev/null) && [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
  read -r _ _ state _ <"/proc/$pid/stat" || return 1
  [ "$state" != Z ]
}

wait_healthy() {
  local name=$1 program=$2 url=$3 deadline=$((SECONDS + 120))
  until http_ok "$url"; do
    running "$CLUSTER_DIR/$name.pid" || die "$name ($program) exited while starting: see $CLUSTER_DIR/$name.log"
    [ "$SECONDS" -lt "$deadline" ] || die "$name was not healthy within 120 s ($url): see $CLUSTER_DIR/$name.log"
    sleep 0.5
  done
}

up() {
  mkdir -p "$CLUSTER_DIR"
  if [ -f "$STATE" ] && [ -n "$given_base" ] && ls "$CLUSTER_DIR"/*.pid >/dev/null 2>&1; then
    (. "$STATE"; [ "$BASE_PORT" = "$given_base" ]) || die "a cluster in $CLUSTER_DIR already uses other ports: run scripts/cluster.sh down first"
  fi
  build_if_needed
  save_state
  start_postgres
  migrate
  local i j
  for i in $(seq 1 "$SILOS"); do start_silo "$i"; done
  for i in $(seq 1 "$SILOS"); do wait_healthy "silo-$i" OrleansMl.Silo.dll "http://127.0.0.1:$(silo_http "$i")/health/ready"; done
  for j in $(seq 1 "$GATEWAYS"); do start_gateway "$j"; done
  for j in $(seq 1 "$GATEWAYS"); do wait_healthy "gateway-$j" OrleansMl.Gateway.dll "http://127.0.0.1:$(gateway_http "$j")/health/ready"; done
  echo
  echo "OrleansMl cluster: $SILOS silos, $GATEWAYS gateway(s), PostgreSQL $( [ -n "$POSTGRES" ] && echo "(given)" || echo "on 127.0.0.1:$PG_PORT")"
  for j in $(seq 1 "$GATEWAYS"); do echo "  gateway $j: http://127.0.0.1:$(gateway_http "$j")   (REST /api, docs /docs)"; done
  echo "  logs and pids: $CLUSTER_DIR"
  echo "  stop: scripts/cluster.sh down   (keeps the data; down --wipe deletes it)"
}

# SIGTERM the processes named by the pid files given after $1 $2, wait up to $2 seconds for them, then SIGKILL.
stop_files() {
  local program=$1 grace=$2 file pids=() deadline
  shift 2
  for file in "$@"; do
    [ -f "$file" ] || continue
    if alive "$file" "$program"; then
      say "stopping $(basename "$file" .pid)"
      kill -TERM "$(cat "$file")" 2>/dev/null || true
      pids+=("$(cat "$file")")
    fi
  done
  deadline=$((SECONDS + grace))
  for pid in "${pids[@]}"; do
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      say "process $pid did not stop within $grace s: killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  for file in "$@"; do rm -f "$file" "${file%.pid}.started"; done
}

# SIGTERM the processes named by the pid files matching $1, wait up to $3 seconds for them, then SIGKILL.
stop_all() {
  local pattern=$1 program=$2 grace=$3
  # shellcheck disable=SC2206
  local files=("$CLUSTER_DIR"/$pattern)
  stop_files "$program" "$grace" "${files[@]}"
}

# Pid files of the processes named $1-<n> numbered above $2.
numbered_above() {
  local prefix=$1 keep=$2 file n
  for file in "$CLUSTER_DIR/$prefix"-*.pid; do
    [ -f "$file" ] || continue
    n=$(basename "$file" .pid); n=${n##*-}
    [ "$n" -gt "$keep" ] && echo "$file"
  done
}

scale() {
  local silos=${1:-} gateways=${2:-} i j
  [[ "$silos" =~ ^[1-9]$ ]] && [[ "$gateways" =~ ^[1-9]$ ]] || die "usage: scripts/cluster.sh scale <silos 1-9> <gateways 1-9>"
  [ -f "$STATE" ] || die "no cluster in $CLUSTER_DIR: run scripts/cluster.sh up first"
  build_if_needed
  SILOS=$silos GATEWAYS=$gateways
  save_state
  # Shrinking: gateways leave before silos, so clients move on before the silos they use go.
  # shellcheck disable=SC2046
  stop_files OrleansMl.Gateway.dll 15 $(numbered_above gateway "$GATEWAYS")
  # Silos get their shutdown timeout (30 s) to hand over work and leave the membership table.
  # shellcheck disable=SC2046
  stop_files OrleansMl.Silo.dll 40 $(numbered_above silo "$SILOS")
  # Growing: silos join before gateways start sending them work.
  for i in $(seq 1 "$SILOS"); do start_silo "$i"; done
  for i in $(seq 1 "$SILOS"); do wait_healthy "silo-$i" OrleansMl.Silo.dll "http://127.0.0.1:$(silo_http "$i")/health/ready"; done
  for j in $(seq 1 "$GATEWAYS"); do start_gateway "$j"; done
  for j in $(seq 1 "$GATEWAYS"); do wait_healthy "gateway-$j" OrleansMl.Gateway.dll "http://127.0.0.1:$(gateway_http "$j")/health/ready"; done
  say "$SILOS silo(s), $GATEWAYS gateway(s)"
}

down() {
  local wipe=false
  [ "${1:-}" = "--wipe" ] && wipe=true
  [ -d "$CLUSTER_DIR" ] || { say "nothing to stop in $CLUSTER_DIR"; return; }
  stop_all 'gateway-*.pid' OrleansMl.Gateway.dll 15
  # Silos get their shutdown timeout (30 s) to hand over work and leave the membership table.
  stop_all 'silo-*.pid' OrleansMl.Silo.dll 40
  if pg_running; then
    say "stopping PostgreSQL"
    pg "$(pg_bin)/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null || true
  fi
  if $wipe; then
    say "deleting $CLUSTER_DIR"
    rm -rf "$PG_DIR"
    rm -f "$CLUSTER_DIR"/*.log "$STATE"
    rmdir "$CLUSTER_DIR" 2>/dev/null || true
    if [ -n "$POSTGRES" ]; then say "the given database (POSTGRES) is left as it is"; fi
  else
    say "stopped; the data stays in $( [ -n "$POSTGRES" ] && echo "the given database" || echo "$PG_DIR") for the next up"
  fi
}

status() {
  if [ ! -f "$STATE" ]; then
    echo "no cluster in $CLUSTER_DIR"
    return
  fi
  local file name state running=0
  if [ -n "$POSTGRES" ]; then
    echo "postgres    given        (POSTGRES)"
  elif pg_running; then
    echo "postgres    running      127.0.0.1:$PG_PORT   data $PG_DIR/data"
    running=$((running + 1))
  else
    echo "postgres    stopped      data $( [ -f "$PG_DIR/data/PG_VERSION" ] && echo "kept in $PG_DIR/data" || echo "none")"
  fi
  for file in "$CLUSTER_DIR"/silo-*.pid "$CLUSTER_DIR"/gateway-*.pid; do
    [ -f "$file" ] || continue
    name=$(basename "$file" .pid)
    local i=${name##*-} program=OrleansMl.Silo.dll
    [[ $name == gateway-* ]] && program=OrleansMl.Gateway.dll
    if alive "$file" "$program"; then state="running"; running=$((running + 1)); else state="dead"; fi
    if [[ $name == silo-* ]]; then
      printf '%-11s %-12s pid %-8s silo port %s, gateway port %s, http://127.0.0.1:%s/health/live\n' \
        "$name" "$state" "$(cat "$file")" "$(silo_port "$i")" "$(silo_gateway_port "$i")" "$(silo_http "$i")"
    else
      printf '%-11s %-12s pid %-8s http://127.0.0.1:%s\n' "$name" "$state" "$(cat "$file")" "$(gateway_http "$i")"
    fi
  done
  [ "$running" -gt 0 ] || echo "nothing runs (scripts/cluster.sh up starts it)"
}

case "${1:-}" in
  up) up ;;
  down) shift; down "$@" ;;
  status) status ;;
  scale) shift; scale "$@" ;;
  *) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
