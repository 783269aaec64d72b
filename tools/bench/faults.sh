#!/usr/bin/env bash
# Fault matrix: numbered messages between sender/receiver pairs over two c2s frontends while one
# process (router, sm, or one of the two c2s) is killed (-9) or stopped (SIGTERM) by PID and
# started again, as an init system would, after RESTART_DELAY. Against our server and jabberd2
# (two c2s processes with their own ids and ports against one router and sm), run by run with
# xmpp-bench's "faults" scenario; the table goes into docs/RESILIENCE.md between the "faults"
# markers (the rest of that file is left alone). Method and definitions: docs/RESILIENCE.md.
#
#   tools/bench/faults.sh                               # the full matrix (~20-25 min)
#   SERVERS=ours PROCS=c2s MODES=kill RATES=10 tools/bench/faults.sh   # one run
#
# It reuses side-by-side.sh's functions (build, certificate, accounts, starting and stopping
# each process), sourced with SIDE_BY_SIDE_LIB=1; loopback only, fixed ports below 32768; it
# stops only the processes it started, by PID.
{
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)

# ---------------------------------------------------------------- Parameters
SERVERS=${SERVERS:-ours,jabberd2}; SERVERS=${SERVERS//,/ }
PROCS=${PROCS:-"router sm c2s"}; PROCS=${PROCS//,/ }    # which process is hit (c2s: the second of two)
MODES=${MODES:-"kill term"}; MODES=${MODES//,/ }        # kill: SIGKILL; term: SIGTERM
RATES=${RATES:-"10 50"}; RATES=${RATES//,/ }            # messages a second per sender
ROUNDS=${ROUNDS:-1}
PAIRS=${PAIRS:-5}                  # sender/receiver pairs
DURATION=${DURATION:-20}           # seconds the senders send
FAULT_AT=${FAULT_AT:-10}           # seconds into the run when the process is hit
AFTER_FAULT=${AFTER_FAULT:-5}      # the senders go on at least this long after the process is back (a 30 s stop is measured through)
DRAIN=${DRAIN:-10}                 # seconds after the end (and the restart) for the last messages and acks
RESTART_DELAY=${RESTART_DELAY:-1}  # seconds between the process's end and its new start
STOP_TIMEOUT=${STOP_TIMEOUT:-40}   # SIGTERM: seconds to wait for the exit before SIGKILL (as systemd's TimeoutStopSec)
LATE=${LATE:-5}                    # a message arriving later than this many seconds after it was composed is late
FRESH=${FRESH:-1}                  # 1: every run starts on a freshly started server
# REUSE_BIN=/tmp/xmpp-side-by-side.X/bin: take the server binaries from a kept work folder (KEEP_WORK=1), build only the bench
OUT=${OUT:-docs/RESILIENCE.md}
export SIDE_BY_SIDE_LIB=1 J2_C2S2=1 ROUNDS OUT SERVERS
SCENARIOS=none

# shellcheck source=side-by-side.sh
source "$HERE/side-by-side.sh"      # cd's to the repository root; sets WORK, RESULTS, log, start/stop functions, cleanup trap

for s in $SERVERS; do case $s in ours|jabberd2) ;; *) die "faults.sh runs against ours and jabberd2 only, not '$s'" ;; esac; done
RUNS_PER_SERVER=0
for _p in $PROCS; do for _m in $MODES; do for _r in $RATES; do RUNS_PER_SERVER=$((RUNS_PER_SERVER + ROUNDS)); done; done; done
ACCOUNTS=$(( RUNS_PER_SERVER * 2 * PAIRS ))

# ---------------------------------------------------------------- Processes by name
proc_name() { # server proc -> the process's name in OURS_PID / J2_PID (c2s: the second one)
  case $1/$2 in
    ours/c2s) echo c2s-2 ;; jabberd2/c2s) echo c2s2 ;; *) echo "$2" ;;
  esac
}
proc_pid() { if [ "$1" = ours ]; then echo "${OURS_PID[$2]:-}"; else echo "${J2_PID[$2]:-}"; fi; }
gone() { # pid: true once it has exited (a zombie counts as gone; it is reaped by wait)
  local st
  st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 0
  [ "$st" = Z ]
}
restart_proc() { # server name: starts that one process again, waits until it is ready
  if [ "$1" = ours ]; then
    mv -f "$WORK/ours/logs/$2.log" "$WORK/ours/logs/$2.log.$(date +%s%N)" 2>/dev/null || true
    spawn_ours "$2"; wait_ours "$2"
    SERVER_PIDS[ours]=$(ours_pids)
  else
    case $2 in sm) mv -f "$WORK/jabberd2/sm.log" "$WORK/jabberd2/sm.log.$(date +%s%N)" 2>/dev/null || true ;; esac
    start_j2 "$2"
    SERVER_PIDS[jabberd2]=$(j2_pids)
  fi
}
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

INJECTED=
inject() { # server proc mode -> INJECTED="pid=... stopped_s=... ready_s=..." (not in a subshell: the restarted PID is recorded here)
  local s=$1 name mode=$3 pid t0 t1 t2 escalated=0
  name=$(proc_name "$1" "$2")
  pid=$(proc_pid "$s" "$name")
  [ -n "$pid" ] || { INJECTED="error=no-pid"; return 0; }
  t0=$(now_ms)
  if [ "$mode" = kill ]; then kill -KILL "$pid" 2>/dev/null || true; else kill -TERM "$pid" 2>/dev/null || true; fi
  while ! gone "$pid"; do
    if [ $(( $(now_ms) - t0 )) -gt $(( STOP_TIMEOUT * 1000 )) ] && [ $escalated = 0 ]; then
      kill -KILL "$pid" 2>/dev/null || true; escalated=1
    fi
    sleep 0.05
  done
  wait "$pid" 2>/dev/null || true
  t1=$(now_ms)
  sleep "$RESTART_DELAY"
  START_FATAL=0 restart_proc "$s" "$name" >&2 || log "$s: $name did not come back"
  t2=$(now_ms)
  INJECTED="pid=$pid stopped_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", (b-a)/1000}') escalated_to_kill=$escalated ready_s=$(awk -v a="$t0" -v b="$t2" 'BEGIN{printf "%.2f", (b-a)/1000}')"
}

declare -A NEXT_ACCOUNT=()   # per server: each run logs in accounts no earlier run used
fault_run() { # server proc mode rate round
  local s=$1 proc=$2 mode=$3 rate=$4 round=$5
  local tag=$s-$proc-$mode-$rate-$round
  local ff=$WORK/fault-$tag out=$WORK/run-faults-$tag.log faulted=0 first=${NEXT_ACCOUNT[$s]:-1} detail=""
  NEXT_ACCOUNT[$s]=$(( first + 2 * PAIRS ))
  [ "$proc" = c2s ] && faulted=2
  if [ "$FRESH" = 1 ] || ! server_alive "$s"; then stop_server "$s"; start_server "$s" >&2; fi
  rm -f "$ff"
  "${BENCH[@]}" faults --server "$(endpoint "$s")" --domain "$DOMAIN" --password "$PASSWORD" --label "$s" \
    --first "$first" --pairs "$PAIRS" --rate "$rate" --duration "$DURATION" --fault-at "$FAULT_AT" --after-fault "$AFTER_FAULT" --drain "$DRAIN" \
    --late "$LATE" --fault-file "$ff" --fault "$proc $mode" --faulted-c2s "$faulted" --fault-wait $(( STOP_TIMEOUT + 90 )) \
    --scram-cache "$WORK/scram-$s.cache" >"$out" 2>"$out.err" &
  local bench=$! rc
  while [ ! -e "$ff" ] && ! gone $bench; do sleep 0.05; done
  if [ -e "$ff" ]; then
    inject "$s" "$proc" "$mode"
    detail=$INJECTED
    echo "done $detail" >>"$ff"
  fi
  set +e; wait $bench; rc=$?; set -e
  local human json
  human=$(grep -E '^faults \[' "$out" | tail -1 || true)
  json=$(grep '^JSON ' "$out" | tail -1 | sed 's/^JSON //' || true)
  if [ -z "$json" ]; then
    log "faults/$tag: no result (exit $rc): $(tail -3 "$out.err" | tr '\n' ' ')"
    json="{\"scenario\":\"faults\",\"server\":\"$s\",\"error\":\"no result, exit $rc\"}"
  else
    log "faults/$tag: $human ($detail)"
  fi
  python3 -c 'import json,sys; d=json.loads(sys.argv[1]); d.update(name="faults", proc=sys.argv[2], mode=sys.argv[3], rate=float(sys.argv[4]), round=int(sys.argv[5]), exit=int(sys.argv[6]), injected=sys.argv[7]); print(json.dumps(d))' \
    "$json" "$proc" "$mode" "$rate" "$round" "$rc" "$detail" >>"$RESULTS"
  cp "$RESULTS" /tmp/xmpp-faults-last.jsonl 2>/dev/null || true   # survives an interrupted run
  prune_started
}
prune_started() { # forget started PIDs that are no longer our children (never signal a reused PID)
  local keep=() p
  for p in "${STARTED[@]}"; do
    [ "$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null)" = "$$" ] && keep+=("$p")
  done
  STARTED=("${keep[@]}")
}

# ---------------------------------------------------------------- Main
command -v python3 >/dev/null || die "python3 is needed for the table"
log "work folder $WORK; servers: $SERVERS; processes: $PROCS; modes: $MODES; rates: $RATES; rounds: $ROUNDS; $PAIRS pairs, $DURATION s, fault at $FAULT_AT s"
install_peers
make_cert
if [ -n "${REUSE_BIN:-}" ]; then
  # a developer's shortcut: the server binaries of an earlier run's kept work folder; only the bench is built
  mkdir -p "$WORK/bin"
  for p in router sm c2s xmppctl; do cp -r "$REUSE_BIN/$p" "$WORK/bin/$p"; done
  dotnet build "$REPO/tools/bench/Xmpp.Bench.csproj" -c Release -nologo -v q -o "$WORK/bin/bench" >"$WORK/build-bench.log" 2>&1 \
    || { grep -E "error" "$WORK/build-bench.log" | head -20; die "build of the bench failed"; }
  BENCH=(dotnet "$WORK/bin/bench/xmpp-bench.dll")
else
  build_ours
fi
for s in $SERVERS; do prepare_server "$s" "$ACCOUNTS"; done
if [ -d "$WORK/jabberd2" ]; then
  # jabberd2's sm and c2s give up on the router after <lost> reconnection attempts (3, a second
  # apart in the side-by-side configs) and exit; ours reconnect for ever. For a fair test of a
  # router restart they retry for ever too (-1, documented in Debian's /etc/jabberd2/c2s.xml).
  sed -i 's#<lost>[0-9]*</lost>#<lost>-1</lost>#' "$WORK/jabberd2/sm.xml" "$WORK/jabberd2/c2s.xml"
  rm -f "$WORK/jabberd2/c2s2.xml"   # made again from c2s.xml at its next start
fi

for round in $(seq 1 "$ROUNDS"); do
  for proc in $PROCS; do
    for mode in $MODES; do
      for rate in $RATES; do
        for s in $SERVERS; do
          fault_run "$s" "$proc" "$mode" "$rate" "$round"
        done
      done
    done
  done
done
for s in $SERVERS; do stop_server "$s"; done
ELAPSED=$(( $(date +%s) - T0 ))

ours_version="ours $(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- router sm c2s common protos 2>/dev/null || echo ', uncommitted changes')"
python3 "$HERE/faults_report.py" --results "$RESULTS" --out "$OUT" --elapsed "$ELAPSED" \
  --versions "ours=$ours_version|jabberd2=jabberd2 $(dpkg-query -W -f='${Version}' jabberd2)" \
  --params "PAIRS=$PAIRS DURATION=$DURATION FAULT_AT=$FAULT_AT AFTER_FAULT=$AFTER_FAULT DRAIN=$DRAIN RESTART_DELAY=$RESTART_DELAY STOP_TIMEOUT=$STOP_TIMEOUT LATE=$LATE ROUNDS=$ROUNDS FRESH=$FRESH"
log "done in $((ELAPSED / 60)) min $((ELAPSED % 60)) s: $OUT (raw results: /tmp/xmpp-faults-last.jsonl)"
exit 0
}
