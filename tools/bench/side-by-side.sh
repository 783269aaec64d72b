#!/usr/bin/env bash
# Side-by-side benchmark: our server against Prosody, ejabberd and jabberd2 (Debian's packages),
# each on loopback with its own config from tools/bench/peers/, TLS on with one self-signed
# certificate, the same accounts, the same scenarios run by tools/bench (xmpp-bench), alternating
# servers run by run. Writes medians and ratios (ours / theirs) into docs/BENCHMARKS.md between
# the "side-by-side" markers (the rest of that file is left alone).
#
#   tools/bench/side-by-side.sh            # full scale (~25-35 min on 2 cores)
#   QUICK=1 tools/bench/side-by-side.sh    # smoke run: few accounts, short runs (~5 min)
#
# Installing the peers needs root (apt-get); the script stops only the processes it started, by PID.
# Every knob is an environment variable (see "Parameters" below), e.g.
#   SERVERS="ours jabberd2" SCENARIOS="messages" ROUNDS=5 tools/bench/side-by-side.sh
#   SERVERS="ours prosody ejabberd" SCENARIOS="groupchat groupchat_latency" LOGIN_ACCOUNTS=100 tools/bench/side-by-side.sh
# The whole script is one compound command, read before it runs: editing this file during a run
# (a git pull) cannot derail the run in progress.
{
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
T0=$(date +%s)

# ---------------------------------------------------------------- Parameters
QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
  : "${ROUNDS:=1}" "${LOGIN_ACCOUNTS:=200}" "${LOGIN_CONCURRENCY:=20}" "${MSG_ONLINE:=50 100}" \
    "${MSG_SECONDS:=3}" "${MSG_WARMUP:=1}" "${IDLE_CONNECTIONS:=500}" "${IDLE_SETTLE:=2}" "${IDLE_PRIME:=100}"
fi
ROUNDS=${ROUNDS:-3}                        # rounds of every scenario on every server (medians over rounds)
SERVERS=${SERVERS:-"ours prosody ejabberd jabberd2"}
SCENARIOS=${SCENARIOS:-"login login_plain messages latency idle"}
LOGIN_ACCOUNTS=${LOGIN_ACCOUNTS:-2000}     # login: C accounts ...
LOGIN_CONCURRENCY=${LOGIN_CONCURRENCY:-50} # ... with concurrency K
MSG_ONLINE=${MSG_ONLINE:-"200 1000"}       # messages: one scenario per online count, flat out
MSG_SECONDS=${MSG_SECONDS:-10}             # measured seconds per messages run (after warm-up)
MSG_WARMUP=${MSG_WARMUP:-3}
MSG_DRAIN=${MSG_DRAIN:-10}
MSG_WINDOW=${MSG_WINDOW:-4}                # flat out = each sender keeps this many messages in flight
LATENCY_FRACTION=${LATENCY_FRACTION:-0.5}  # latency: p99 at this fraction of OUR flat-out rate (first MSG_ONLINE)
GC_OCCUPANTS=${GC_OCCUPANTS:-100}         # groupchat: one room, one scenario per occupant count ...
GC_SENDERS=${GC_SENDERS:-10}               # ... of which this many send, flat out (GC_WINDOW in flight each)
GC_WINDOW=${GC_WINDOW:-4}
GC_RATE=${GC_RATE:-20}                     # groupchat_latency: messages/s sent in all (x occupants delivered), every server
GC_SECONDS=${GC_SECONDS:-$MSG_SECONDS}
IDLE_CONNECTIONS=${IDLE_CONNECTIONS:-20000}
IDLE_SOURCES=${IDLE_SOURCES:-4}            # client source addresses 127.0.0.1..127.0.0.N
IDLE_SETTLE=${IDLE_SETTLE:-10}             # seconds between the last connection and the RSS reading
IDLE_ROUNDS=${IDLE_ROUNDS:-1}              # idle restarts each server: one round unless asked
IDLE_PRIME=${IDLE_PRIME:-500}              # idle: log this many in and out first, so the baseline is a warmed-up server
MECH=${MECH:-scram}                        # SASL for login/messages/idle (login_plain uses PLAIN)
CERT_KEY=${CERT_KEY:-ec}                   # ec (P-256) or rsa (2048) for the shared self-signed certificate
DOMAIN=${DOMAIN:-localhost}
MUC_DOMAIN=conference.$DOMAIN              # every server's XEP-0045 service (peers/: conference.<domain>)
OURS_MUC_ARGS=${OURS_MUC_ARGS---Muc:DefaultArchive=false} # our muc (started when the tree has muc/): rooms without a MAM archive, as the peers' (their configs load no MUC MAM)
PASSWORD=${PASSWORD:-bench-secret}
OUT=${OUT:-docs/BENCHMARKS.md}
INSTALL=${INSTALL:-1}                      # 0: don't apt-get install the peers (they must be installed)
KEEP_WORK=${KEEP_WORK:-0}                  # 1: keep the temp folder (logs, configs, raw results)
MERGE_RESULTS=${MERGE_RESULTS:-}           # a previous run's raw results: its figures for servers not in SERVERS join the tables
RUN_TIMEOUT=${RUN_TIMEOUT:-900}            # hard limit in seconds for any one bench run
OURS_LOG_LEVEL=${OURS_LOG_LEVEL:-Warning}  # our processes log at this level (the peers log warnings only)
OURS_ENV=${OURS_ENV:-}                     # extra environment for our processes, e.g. "DOTNET_gcServer=1" (an experiment)
OURS_SM_SHARDS=${OURS_SM_SHARDS:-0}        # 0: our one sm; N: N sm shards sm-1..sm-N sharing the data directory (docs/PROTOCOL.md, "sm shards")
OURS_C2S_GLIBC_TUNABLES=${OURS_C2S_GLIBC_TUNABLES-glibc.malloc.mmap_threshold=16384} # our c2s's default, as in c2s/Dockerfile; empty = glibc's own
# Fixed loopback ports below 32768 (the ephemeral range starts there); every one can be moved
# (PORT_OURS, PORT_OURS2, PORT_OURS_ROUTER, PORT_OURS_METRICS, PORT_PROSODY, PORT_EJABBERD, PORT_EJD_API,
# PORT_EJD_DIST, PORT_JABBERD2, PORT_J2_ROUTER) so two runs can share a machine.
PORT_PROSODY=${PORT_PROSODY:-15222} PORT_EJABBERD=${PORT_EJABBERD:-15223} PORT_JABBERD2=${PORT_JABBERD2:-15224}
PORT_OURS=${PORT_OURS:-15225} PORT_OURS2=${PORT_OURS2:-15226} PORT_OURS_ROUTER=${PORT_OURS_ROUTER:-15347}
PORT_J2_ROUTER=${PORT_J2_ROUTER:-15348} PORT_EJD_API=${PORT_EJD_API:-15280} PORT_EJD_DIST=${PORT_EJD_DIST:-15290}
PORT_OURS_METRICS=${PORT_OURS_METRICS:-15400} # +0 router, +1 c2s-1, +2 c2s-2, +3 sm health, +4 muc

WORK=$(mktemp -d /tmp/xmpp-side-by-side.XXXXXX)
chmod 755 "$WORK"                          # ejabberd runs as its own user and reads its config here
RESULTS=$WORK/results.jsonl
: >"$RESULTS"

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Raise the open-file limit to the hard limit: every connection is a descriptor on both sides.
ulimit -n "$(ulimit -Hn)" || true
NOFILE=$(ulimit -n)
# A single-process peer holds every idle connection in one process: stay under its descriptor limit.
IDLE_PEER_CONNECTIONS=$(( IDLE_CONNECTIONS < NOFILE - 500 ? IDLE_CONNECTIONS : NOFILE - 500 ))

# ---------------------------------------------------------------- Processes we start (stopped by PID only)
declare -A SERVER_PIDS=()   # server -> comma-separated root PIDs (descendants are included by the bench)
STARTED=()
LASTPID=
spawn() { # logfile cmd... ; sets LASTPID
  local logfile=$1; shift
  "$@" >"$logfile" 2>&1 &
  LASTPID=$!
  STARTED+=("$LASTPID")
}
descendants() { # pid -> pid and all its descendants
  local p=$1 c
  echo "$p"
  for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do descendants "$c"; done
}
stop_pids() { # pid... : TERM the trees, wait up to 15 s, then KILL what is left
  local all=() p
  for p in "$@"; do all+=($(descendants "$p")); done
  [ ${#all[@]} -eq 0 ] && return 0
  kill -TERM "${all[@]}" 2>/dev/null || true
  for _ in $(seq 1 75); do
    local alive=0
    for p in "${all[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && return 0
    sleep 0.2
  done
  kill -KILL "${all[@]}" 2>/dev/null || true
}
cleanup() {
  local rc=$? s
  for s in "${!SERVER_PIDS[@]}"; do stop_server "$s" 2>/dev/null || true; done
  [ ${#STARTED[@]} -gt 0 ] && stop_pids "${STARTED[@]}" 2>/dev/null || true
  if [ "$KEEP_WORK" = 1 ] || [ "$rc" != 0 ]; then log "kept $WORK (logs, configs, raw results)"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_port() { # port seconds
  for _ in $(seq 1 $(( $2 * 5 ))); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}
wait_log() { # file pattern seconds pid
  for _ in $(seq 1 $(( $3 * 5 ))); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    kill -0 "$4" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

# ---------------------------------------------------------------- Install the peers
install_peers() {
  local need=() pkg created_policy=0
  for pkg in prosody ejabberd jabberd2 sqlite3 openssl; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
  done
  [ ${#need[@]} -eq 0 ] && return 0
  [ "$INSTALL" = 1 ] || die "missing packages: ${need[*]} (INSTALL=0)"
  [ "$(id -u)" = 0 ] || die "installing ${need[*]} needs root"
  log "installing ${need[*]} (services kept from starting by a policy-rc.d)"
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# side-by-side.sh: no service starts during this install\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    created_policy=1
  fi
  apt-get update -q >/dev/null || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >"$WORK/apt.log" 2>&1 \
    || { [ $created_policy = 1 ] && rm -f /usr/sbin/policy-rc.d; tail -20 "$WORK/apt.log"; die "apt-get install failed"; }
  [ $created_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
  # Where a service manager ignored the policy, stop and disable what the packages just started.
  for pkg in prosody ejabberd jabberd2; do
    if command -v systemctl >/dev/null && systemctl is-active --quiet "$pkg" 2>/dev/null; then
      systemctl stop "$pkg" || true; systemctl disable "$pkg" >/dev/null 2>&1 || true
    elif [ -x "/etc/init.d/$pkg" ] && "/etc/init.d/$pkg" status >/dev/null 2>&1; then
      "/etc/init.d/$pkg" stop >/dev/null 2>&1 || true
    fi
  done
}

# ---------------------------------------------------------------- Certificate and our binaries
make_cert() {
  mkdir -p "$WORK/cert"
  local c=$WORK/cert
  if [ "$CERT_KEY" = rsa ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$c/key.pem" -out "$c/cert.pem" -days 7 \
      -subj "/CN=$DOMAIN" -addext "subjectAltName=DNS:$DOMAIN" 2>/dev/null
  else
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$c/key.pem" -out "$c/cert.pem" -days 7 \
      -subj "/CN=$DOMAIN" -addext "subjectAltName=DNS:$DOMAIN" 2>/dev/null
  fi
  cat "$c/cert.pem" "$c/key.pem" >"$c/combined.pem"
  openssl pkcs12 -export -in "$c/cert.pem" -inkey "$c/key.pem" -out "$c/server.pfx" -passout pass:bench
  chmod 644 "$c"/*
}

build_ours() {
  local lock=(); command -v flock >/dev/null && lock=(flock /tmp/dotnet-build.lock)
  local p
  local projects=(tools/bench/Xmpp.Bench.csproj)
  case " $SERVERS " in *" ours "*)
    projects=(router/Xmpp.Router.csproj sm/Xmpp.Sm.csproj c2s/Xmpp.C2s.csproj tools/xmppctl/Xmppctl.csproj "${projects[@]}")
    want_muc && projects+=(muc/Xmpp.Muc.csproj) ;;
  esac
  for p in "${projects[@]}"; do
    local name; name=$(basename "$(dirname "$p")")
    log "building $p"
    "${lock[@]}" dotnet build "$p" -c Release -nologo -v q -o "$WORK/bin/$name" >"$WORK/build-$name.log" 2>&1 \
      || { grep -E "error" "$WORK/build-$name.log" | head -20; die "build of $p failed"; }
  done
  BENCH=(dotnet "$WORK/bin/bench/xmpp-bench.dll")
}

# ---------------------------------------------------------------- Servers
fill() { # template -> stdout with the @NAMES@ filled in
  sed -e "s#@DATA@#$2#g; s#@CONF@#$2#g; s#@CERTDIR@#$WORK/cert#g; s#@CERT@#$WORK/cert/cert.pem#g; s#@KEY@#$WORK/cert/key.pem#g" \
      -e "s#@PEM@#$WORK/cert/combined.pem#g; s#@DOMAIN@#$DOMAIN#g; s#@PORT@#$3#g; s#@ROUTER_PORT@#$PORT_J2_ROUTER#g" \
      -e "s#@API_PORT@#$PORT_EJD_API#g; s#@DIST_PORT@#$PORT_EJD_DIST#g; s#@MAX_FDS@#$NOFILE#g" "$1"
}
EJD_CTL=()

prepare_server() { # create config and data, then the accounts (server running where it has to be)
  local s=$1 d=$WORK/$1 n=$2
  mkdir -p "$d"
  case $s in
    ours)
      start_server ours
      log "ours: registering $n accounts over the router"
      "${BENCH[@]}" register --router "https://127.0.0.1:$PORT_OURS_ROUTER" --pki "$d/pki" --domain "$DOMAIN" --users "$n" \
        --password "$PASSWORD" --scram-cache "$WORK/scram-ours.cache" >&2 ;;
    prosody)
      fill "$REPO/tools/bench/peers/prosody.cfg.lua" "$d" $PORT_PROSODY >"$d/prosody.cfg.lua"
      log "prosody: writing $n account files"
      "${BENCH[@]}" provision-prosody --dir "$d/$(echo "$DOMAIN" | sed 's/\./%2e/g; s/-/%2d/g')/accounts" --users "$n" \
        --password "$PASSWORD" --hash SHA-256 --iterations 4096 --scram-cache "$WORK/scram-prosody.cache" >&2
      start_server prosody ;;
    ejabberd)
      mkdir -p "$d/spool" "$d/logs"
      fill "$REPO/tools/bench/peers/ejabberd.yml" "$d" $PORT_EJABBERD >"$d/ejabberd.yml"
      fill "$REPO/tools/bench/peers/ejabberdctl.cfg" "$d" $PORT_EJABBERD >"$d/ejabberdctl.cfg"
      cp /etc/ejabberd/inetrc "$d/inetrc" 2>/dev/null || echo '{lookup,["file","native"]}.' >"$d/inetrc"
      chown -R ejabberd "$d" 2>/dev/null || true
      # ejabberdctl run as root switches to the ejabberd user with su, whose pam_limits drops the
      # open-files limit to 1024 (ejabberd then refuses the 1000th client); setpriv switches
      # without PAM and keeps the limit.
      local as_ejabberd=()
      [ "$(id -u)" = 0 ] && as_ejabberd=(setpriv --reuid=ejabberd --regid=ejabberd --init-groups env HOME=/var/lib/ejabberd)
      EJD_CTL=("${as_ejabberd[@]}" ejabberdctl --config-dir "$d" --config "$d/ejabberd.yml" --ctl-config "$d/ejabberdctl.cfg"
               --logs "$d/logs" --spool "$d/spool" --node "benchejd$PORT_EJABBERD@localhost")
      start_server ejabberd
      log "ejabberd: registering $n accounts through its HTTP API"
      "${BENCH[@]}" provision-ejabberd --api "http://127.0.0.1:$PORT_EJD_API/api" --domain "$DOMAIN" --users "$n" \
        --password "$PASSWORD" --parallel 8 >&2 ;;
    jabberd2)
      local f
      for f in router.xml router-users.xml sm.xml c2s.xml; do
        fill "$REPO/tools/bench/peers/jabberd2/$f" "$d" $PORT_JABBERD2 >"$d/$f"
      done
      zcat /usr/share/doc/jabberd2/db-setup.sqlite.gz | sqlite3 "$d/jabberd2.db" >/dev/null
      log "jabberd2: inserting $n accounts into its SQLite authreg (plaintext passwords: jabberd2's storage)"
      { echo "BEGIN;"
        seq 1 "$n" | awk -v dom="$DOMAIN" -v pw="$PASSWORD" '{
          printf "INSERT INTO authreg(username,realm,password) VALUES(\x27bench%d\x27,\x27%s\x27,\x27%s\x27);\n", $1, dom, pw
          printf "INSERT INTO active(\"collection-owner\",\"time\") VALUES(\x27bench%d@%s\x27,0);\n", $1, dom }'
        echo "COMMIT;"; } | sqlite3 "$d/jabberd2.db"
      start_server jabberd2 ;;
  esac
}

# Our group chat service (issue 21): started beside the rest when the tree has muc/ and a groupchat scenario is chosen.
want_muc() { [ -f "$REPO/muc/Xmpp.Muc.csproj" ] && case " $SCENARIOS " in *" groupchat"*) true ;; *) false ;; esac; }

# One process of ours or of jabberd2 at a time (faults.sh restarts them one by one); PIDs by process.
declare -A OURS_PID=() J2_PID=()
spawn_ours() { # router | sm | c2s-<i> | muc : starts it (log $WORK/ours/logs/<name>.log), sets OURS_PID[name]
  local name=$1 d=$WORK/ours router=https://127.0.0.1:$PORT_OURS_ROUTER
  local logargs=(--Logging:LogLevel:Default="$OURS_LOG_LEVEL" --Logging:LogLevel:xmpp-router=Information
                 --Logging:LogLevel:xmpp-c2s=Information --Logging:LogLevel:Xmpp.Sm.Hosting.SmWorker=Information)
  case $name in
    router)
      spawn "$d/logs/router.log" env $OURS_ENV dotnet "$WORK/bin/router/xmpp-router.dll" --Router:ListenAddress=127.0.0.1 \
        --Router:ListenPort=$PORT_OURS_ROUTER --Telemetry:MetricsPort=$PORT_OURS_METRICS "${logargs[@]}" \
        --Router:ServerCertificate="$d/pki/router.crt" --Router:CaCertificate="$d/pki/ca.crt" ;;
    sm)
      spawn "$d/logs/sm.log" env $OURS_ENV dotnet "$WORK/bin/sm/xmpp-sm.dll" --Router:Address=$router --Sm:Domain="$DOMAIN" \
        --Sm:DataDirectory="$d/data" --Telemetry:GrpcHealthPort=$((PORT_OURS_METRICS + 3)) "${logargs[@]}" \
        --Router:CaCertificate="$d/pki/ca.crt" --Router:Certificate="$d/pki/sm-$DOMAIN.crt" ;;
    sm-*)
      local k=${name#sm-}
      spawn "$d/logs/$name.log" env $OURS_ENV dotnet "$WORK/bin/sm/xmpp-sm.dll" --Router:Address=$router --Sm:Domain="$DOMAIN" \
        --Sm:Shard="$name" --Sm:DataDirectory="$d/data" --Telemetry:GrpcHealthPort=$((PORT_OURS_METRICS + 10 + k)) \
        --Telemetry:MetricsPort=$((PORT_OURS_METRICS + 20 + k)) "${logargs[@]}" \
        --Router:CaCertificate="$d/pki/ca.crt" --Router:Certificate="$d/pki/sm-$DOMAIN.crt" ;;
    c2s-*)
      local i=${name#c2s-} port
      port=$([ "$i" = 1 ] && echo $PORT_OURS || echo $PORT_OURS2)
      # the load generator opens thousands of connections from a few loopback addresses: c2s's
      # per-address limits (C2s:Limits, for a public server) are off here, as the peers have none
      spawn "$d/logs/c2s-$i.log" env GLIBC_TUNABLES="$OURS_C2S_GLIBC_TUNABLES" $OURS_ENV dotnet "$WORK/bin/c2s/xmpp-c2s.dll" --Router:Address=$router --C2s:Domain="$DOMAIN" \
        --C2s:ListenAddress=127.0.0.1 --C2s:Port=$port --C2s:InstanceId=c2s-$i \
        --C2s:CertificatePath="$WORK/cert/server.pfx" --C2s:CertificatePassword=bench \
        --C2s:Limits:MaxConnectionsPerIp=0 --C2s:Limits:ConnectionsPerIpPerSecond=0 \
        --Telemetry:MetricsPort=$((PORT_OURS_METRICS + i)) "${logargs[@]}" \
        --Router:CaCertificate="$d/pki/ca.crt" --Router:Certificate="$d/pki/c2s-c2s-$i.crt" ;;
    muc)
      spawn "$d/logs/muc.log" env $OURS_ENV dotnet "$WORK/bin/muc/xmpp-muc.dll" --Router:Address=$router \
        --Component:Domain="$MUC_DOMAIN" --Component:ServerDomain="$DOMAIN" --Muc:DataDirectory="$d/data/muc" \
        --Telemetry:MetricsPort=$((PORT_OURS_METRICS + 4)) "${logargs[@]}" --Logging:LogLevel:xmpp-muc=Information \
        --Router:CaCertificate="$d/pki/ca.crt" --Router:Certificate="$d/pki/component-$MUC_DOMAIN.crt" $OURS_MUC_ARGS ;;
  esac
  OURS_PID[$name]=$LASTPID
}
wait_ours() { # name : waits for READY in its log
  wait_log "$WORK/ours/logs/$1.log" READY 60 "${OURS_PID[$1]}" || { start_failed "our $1 did not start (see $WORK/ours/logs/$1.log)"; return 1; }
}
ours_sms() { if [ "$OURS_SM_SHARDS" -gt 0 ]; then seq -f "sm-%g" 1 "$OURS_SM_SHARDS"; else echo sm; fi; }
ours_pids() { local p out=(); for p in router $(ours_sms) c2s-1 c2s-2 muc; do [ -n "${OURS_PID[$p]:-}" ] && out+=("${OURS_PID[$p]}"); done; (IFS=,; echo "${out[*]}"); }
J2_C2S2=${J2_C2S2:-0}   # 1: jabberd2 runs a second c2s (id c2s2, port PORT_JABBERD2_2) against the same router and sm
PORT_JABBERD2_2=${PORT_JABBERD2_2:-15227}
start_j2() { # router | sm | c2s | c2s2 : starts it and waits until it is ready, sets J2_PID[name]
  local name=$1 d=$WORK/jabberd2
  case $name in
    router)
      spawn "$d/router.out" /usr/sbin/jabberd2-router -c "$d/router.xml"; J2_PID[router]=$LASTPID
      wait_port $PORT_J2_ROUTER 30 || { start_failed "jabberd2 router did not start (see $d/router.log)"; return 1; } ;;
    sm)
      spawn "$d/sm.out" /usr/sbin/jabberd2-sm -c "$d/sm.xml"; J2_PID[sm]=$LASTPID
      wait_log "$d/sm.log" "ready for sessions" 30 "$LASTPID" || { start_failed "jabberd2 sm did not start (see $d/sm.log)"; return 1; } ;;
    c2s|c2s2)
      local port=$PORT_JABBERD2; [ "$name" = c2s2 ] && port=$PORT_JABBERD2_2
      if [ "$name" = c2s2 ] && [ ! -e "$d/c2s2.xml" ]; then
        sed -e "s#<id>c2s</id>#<id>c2s2</id>#; s#<port>$PORT_JABBERD2</port>#<port>$PORT_JABBERD2_2</port>#" \
            -e "s#c2s\.pid#c2s2.pid#; s#c2s\.log#c2s2.log#; s#jabberd/c2s<#jabberd/c2s2<#" "$d/c2s.xml" >"$d/c2s2.xml"
      fi
      spawn "$d/$name.out" /usr/sbin/jabberd2-c2s -c "$d/$name.xml"; J2_PID[$name]=$LASTPID
      wait_port "$port" 60 || { start_failed "jabberd2 $name did not start (see $d/$name.log)"; return 1; } ;;
  esac
}
j2_pids() { local p out=(); for p in router sm c2s c2s2; do [ -n "${J2_PID[$p]:-}" ] && out+=("${J2_PID[$p]}"); done; (IFS=,; echo "${out[*]}"); }

START_FATAL=1
FAILED_RESTART=0
start_failed() { if [ "$START_FATAL" = 1 ]; then die "$@"; else log "ERROR: $*"; fi; }
start_server() {
  local s=$1 d=$WORK/$1
  case $s in
    ours)
      mkdir -p "$d/data" "$d/logs"
      # the links are mutual TLS: the deployment CA and certificates, made once per run (xmppctl pki init)
      local p procs=($(ours_sms) c2s-1 c2s-2) pki=()
      want_muc && { procs+=(muc); pki=(--component "$MUC_DOMAIN"); }
      dotnet "$WORK/bin/xmppctl/xmppctl.dll" pki init --dir "$d/pki" --domain "$DOMAIN" --c2s c2s-1,c2s-2 "${pki[@]}" >"$d/logs/pki.log" 2>&1 \
        || { start_failed "could not create our certificates (see $d/logs/pki.log)"; return 1; }
      spawn_ours router; wait_ours router || return 1
      for p in "${procs[@]}"; do spawn_ours $p; done
      for p in "${procs[@]}"; do wait_ours $p || return 1; done
      SERVER_PIDS[ours]=$(ours_pids) ;;
    prosody)
      spawn "$d/stdout.log" prosody -F --config "$d/prosody.cfg.lua"
      SERVER_PIDS[prosody]=$LASTPID
      wait_port $PORT_PROSODY 60 || { start_failed "prosody did not start (see $d/stdout.log, $d/prosody.log)"; return 1; } ;;
    ejabberd)
      spawn "$d/stdout.log" "${EJD_CTL[@]}" foreground
      SERVER_PIDS[ejabberd]=$LASTPID
      wait_port $PORT_EJABBERD 120 || { start_failed "ejabberd did not start (see $d/logs/)"; return 1; }
      wait_port $PORT_EJD_API 30 || { start_failed "ejabberd's HTTP API did not start"; return 1; } ;;
    jabberd2)
      start_j2 router || return 1
      # sm and c2s open the same SQLite file, without a busy timeout: started together, c2s can
      # find it locked by sm's start ("database is locked") and exit. c2s starts once sm is ready.
      start_j2 sm || return 1
      start_j2 c2s || return 1
      [ "$J2_C2S2" = 1 ] && { start_j2 c2s2 || return 1; }
      SERVER_PIDS[jabberd2]=$(j2_pids) ;;
  esac
  log "$s up (pids ${SERVER_PIDS[$s]})"
}

stop_server() {
  local s=$1
  [ -n "${SERVER_PIDS[$s]:-}" ] || return 0
  if [ "$s" = ejabberd ] && [ ${#EJD_CTL[@]} -gt 0 ]; then timeout 30 "${EJD_CTL[@]}" stop >/dev/null 2>&1 || true; fi
  stop_pids ${SERVER_PIDS[$s]//,/ }
  unset "SERVER_PIDS[$s]"
}

endpoint() {
  case $1 in
    ours) echo "127.0.0.1:$PORT_OURS,127.0.0.1:$PORT_OURS2" ;;
    prosody) echo "127.0.0.1:$PORT_PROSODY" ;;
    ejabberd) echo "127.0.0.1:$PORT_EJABBERD" ;;
    jabberd2) echo "127.0.0.1:$PORT_JABBERD2$([ "$J2_C2S2" = 1 ] && echo ",127.0.0.1:$PORT_JABBERD2_2")" ;;
  esac
}

# ---------------------------------------------------------------- Runs
server_alive() { # every root process of the server still runs
  local p
  for p in ${SERVER_PIDS[$1]//,/ }; do kill -0 "$p" 2>/dev/null || return 1; done
}
run_bench() { # server scenario-name round bench-args...
  local s=$1 name=$2 round=$3; shift 3
  local out=$WORK/run-$name-$s-$round.log
  if ! server_alive "$s"; then
    log "$s is not running (crashed?): restarting it before $name round $round"
    stop_server "$s"; start_server "$s"
    echo "{\"name\":\"restart\",\"server\":\"$s\",\"before\":\"$name\",\"round\":$round}" >>"$RESULTS"
  fi
  set +e
  timeout "$RUN_TIMEOUT" "${BENCH[@]}" "$@" --server "$(endpoint "$s")" --domain "$DOMAIN" --password "$PASSWORD" \
    --label "$s" --server-pids "${SERVER_PIDS[$s]}" --scram-cache "$WORK/scram-$s.cache" >"$out" 2>"$out.err"
  local rc=$?
  set -e
  local human json
  human=$(grep -v '^JSON ' "$out" | grep -E '^(login|messages|groupchat|idle) \[' | tail -1 || true)
  json=$(grep '^JSON ' "$out" | tail -1 | sed 's/^JSON //' || true)
  if [ -z "$json" ]; then
    log "$name/$s round $round: no result (exit $rc): $(tail -3 "$out.err" | tr '\n' ' ')"
    json="{\"scenario\":\"$name\",\"server\":\"$s\",\"error\":\"no result, exit $rc\"}"
  else
    log "$name/$s r$round: $human"
  fi
  python3 -c 'import json,sys; d=json.loads(sys.argv[1]); d["name"]=sys.argv[2]; d["round"]=int(sys.argv[3]); d["exit"]=int(sys.argv[4]); print(json.dumps(d))' \
    "$json" "$name" "$round" "$rc" >>"$RESULTS"
  cp "$RESULTS" /tmp/xmpp-side-by-side-last.jsonl 2>/dev/null || true   # survives an interrupted run
}

median_of() { # name server field -> median over rounds (empty if none)
  python3 - "$RESULTS" "$1" "$2" "$3" <<'PY'
import json, sys, statistics
path, name, server, field = sys.argv[1:]
vals = [d[field] for d in map(json.loads, open(path)) if d.get("name") == name and d.get("server") == server and field in d]
print(statistics.median(vals) if vals else "")
PY
}

scenario_args() { # scenario -> bench arguments
  case $1 in
    login) echo "login --accounts $LOGIN_ACCOUNTS --concurrency $LOGIN_CONCURRENCY --mech $MECH" ;;
    login_plain) echo "login --accounts $LOGIN_ACCOUNTS --concurrency $LOGIN_CONCURRENCY --mech plain" ;;
    messages@*) echo "messages --online ${1#messages@} --duration $MSG_SECONDS --warmup $MSG_WARMUP --drain $MSG_DRAIN --window $MSG_WINDOW --concurrency $LOGIN_CONCURRENCY --mech $MECH" ;;
    groupchat@*) echo "groupchat --occupants ${1#groupchat@} --senders $GC_SENDERS --muc $MUC_DOMAIN --duration $GC_SECONDS --warmup $MSG_WARMUP --drain $MSG_DRAIN --window $GC_WINDOW --concurrency $LOGIN_CONCURRENCY --mech $MECH" ;;
    groupchat_latency@*) echo "groupchat --occupants ${1#groupchat_latency@} --senders $GC_SENDERS --muc $MUC_DOMAIN --rate $GC_RATE --duration $GC_SECONDS --warmup $MSG_WARMUP --drain $MSG_DRAIN --concurrency $LOGIN_CONCURRENCY --mech $MECH" ;;
  esac
}

# faults.sh sources this file for the functions above (SIDE_BY_SIDE_LIB=1) and runs its own main.
if [ "${SIDE_BY_SIDE_LIB:-0}" = 1 ]; then return 0; fi

# ---------------------------------------------------------------- Main
command -v python3 >/dev/null || die "python3 is needed for the tables"
log "work folder $WORK; open files limit $NOFILE; servers: $SERVERS; scenarios: $SCENARIOS; rounds: $ROUNDS"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
install_peers
make_cert
build_ours

ACCOUNTS=$LOGIN_ACCOUNTS
case " $SCENARIOS " in *" messages "*|*" latency "*) for n in $MSG_ONLINE; do [ "$n" -gt "$ACCOUNTS" ] && ACCOUNTS=$n; done ;; esac
case " $SCENARIOS " in *" groupchat"*) for n in $GC_OCCUPANTS; do [ "$n" -gt "$ACCOUNTS" ] && ACCOUNTS=$n; done ;; esac
WARM_ACCOUNTS=$ACCOUNTS
case " $SCENARIOS " in *" idle "*) [ "$IDLE_CONNECTIONS" -gt "$ACCOUNTS" ] && ACCOUNTS=$IDLE_CONNECTIONS ;; esac

for s in $SERVERS; do prepare_server "$s" "$ACCOUNTS"; done

# Warm-up, not counted: one login pass per server (JIT, caches, the client's SCRAM cache).
for s in $SERVERS; do
  run_bench "$s" warmup 0 login --accounts "$WARM_ACCOUNTS" --concurrency "$LOGIN_CONCURRENCY" --mech "$MECH" --timeout 600
done

MAIN=()
for sc in $SCENARIOS; do
  case $sc in
    login|login_plain) MAIN+=("$sc") ;;
    messages) for n in $MSG_ONLINE; do MAIN+=("messages@$n"); done ;;
    groupchat|groupchat_latency) for n in $GC_OCCUPANTS; do MAIN+=("$sc@$n"); done ;;
  esac
done
for round in $(seq 1 "$ROUNDS"); do
  for sc in "${MAIN[@]}"; do
    for s in $SERVERS; do
      # Debian's jabberd2 package has no MUC (mu-conference is the separate jabber-muc package, not set up here)
      case $sc in groupchat*) [ "$s" = jabberd2 ] && { log "$sc/jabberd2: skipped, no MUC service"; continue; } ;; esac
      # shellcheck disable=SC2046
      run_bench "$s" "$sc" "$round" $(scenario_args "$sc")
    done
  done
done

# latency: every server at the same paced rate, a fraction of our own flat-out rate.
LATENCY_RATE=
case " $SCENARIOS " in *" latency "*)
  first_online=${MSG_ONLINE%% *}
  ours_rate=$(median_of "messages@$first_online" ours delivered_per_s)
  if [ -n "$ours_rate" ]; then
    LATENCY_RATE=$(python3 -c "print(int(float('$ours_rate') * float('$LATENCY_FRACTION')))")
    for round in $(seq 1 "$ROUNDS"); do
      for s in $SERVERS; do
        run_bench "$s" "latency@$first_online" "$round" messages --online "$first_online" --rate "$LATENCY_RATE" \
          --duration "$MSG_SECONDS" --warmup "$MSG_WARMUP" --drain "$MSG_DRAIN" --concurrency "$LOGIN_CONCURRENCY" --mech "$MECH"
      done
    done
  else
    log "latency: skipped (no flat-out figure for ours at $first_online online)"
  fi ;;
esac

# idle: each server restarted fresh, so the baseline is a server that has done nothing yet.
case " $SCENARIOS " in *" idle "*)
  for round in $(seq 1 "$IDLE_ROUNDS"); do
    for s in $SERVERS; do
      stop_server "$s"
      if ! START_FATAL=0 start_server "$s"; then
        log "idle/$s: the server did not come back after a restart; skipped (its logs stay in $WORK)"
        stop_server "$s"; FAILED_RESTART=1; continue
      fi
      sleep 3
      n=$IDLE_CONNECTIONS; [ "$s" != ours ] && n=$IDLE_PEER_CONNECTIONS
      run_bench "$s" idle "$round" idle --connections "$n" --sources "$IDLE_SOURCES" --per-worker 9000 \
        --settle "$IDLE_SETTLE" --prime "$IDLE_PRIME" --concurrency "$LOGIN_CONCURRENCY" --mech "$MECH" --timeout 1200 --login-timeout 60
    done
  done ;;
esac

for s in $SERVERS; do stop_server "$s"; done
ELAPSED=$(( $(date +%s) - T0 ))

# ---------------------------------------------------------------- Report
versions() {
  local s
  for s in ours prosody ejabberd jabberd2; do
    case $s in
      ours) echo "ours=ours ($(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- router sm c2s muc common protos 2>/dev/null || echo ', uncommitted changes'))" ;;
      prosody) echo "prosody=Prosody $(dpkg-query -W -f='${Version}' prosody)" ;;
      ejabberd) echo "ejabberd=ejabberd $(dpkg-query -W -f='${Version}' ejabberd)" ;;
      jabberd2) echo "jabberd2=jabberd2 $(dpkg-query -W -f='${Version}' jabberd2)" ;;
    esac
  done
}
mkdir -p "$(dirname "$OUT")"
python3 "$REPO/tools/bench/report.py" --results "$RESULTS" --merge "$MERGE_RESULTS" --out "$OUT" --servers "$SERVERS" \
  --versions "$(versions | paste -sd'|')" --elapsed "$ELAPSED" --load-before "$LOAD_BEFORE" \
  --load-after "$(cut -d' ' -f1-3 /proc/loadavg)" --quick "$QUICK" --latency-rate "${LATENCY_RATE:-}" \
  --params "ROUNDS=$ROUNDS SCENARIOS='$SCENARIOS' LOGIN_ACCOUNTS=$LOGIN_ACCOUNTS LOGIN_CONCURRENCY=$LOGIN_CONCURRENCY MSG_ONLINE='$MSG_ONLINE' MSG_SECONDS=$MSG_SECONDS MSG_WARMUP=$MSG_WARMUP MSG_WINDOW=$MSG_WINDOW LATENCY_FRACTION=$LATENCY_FRACTION GC_OCCUPANTS='$GC_OCCUPANTS' GC_SENDERS=$GC_SENDERS GC_WINDOW=$GC_WINDOW GC_RATE=$GC_RATE GC_SECONDS=$GC_SECONDS IDLE_CONNECTIONS=$IDLE_CONNECTIONS (peers: $IDLE_PEER_CONNECTIONS) IDLE_SOURCES=$IDLE_SOURCES IDLE_SETTLE=$IDLE_SETTLE IDLE_PRIME=$IDLE_PRIME MECH=$MECH CERT_KEY=$CERT_KEY OURS_LOG_LEVEL=$OURS_LOG_LEVEL OURS_ENV='$OURS_ENV' OURS_C2S_GLIBC_TUNABLES='$OURS_C2S_GLIBC_TUNABLES' OURS_MUC_ARGS='$OURS_MUC_ARGS'"
cp "$RESULTS" "$WORK/../xmpp-side-by-side-last.jsonl" 2>/dev/null || true
log "done in $((ELAPSED / 60)) min $((ELAPSED % 60)) s: $OUT (raw results: /tmp/xmpp-side-by-side-last.jsonl)"
exit 0
}
