#!/usr/bin/env bash
# Checks the instrument of faults.sh against a server that has XEP-0198 today: Prosody (Debian's
# 0.12, mod_smacks) behind two haproxy TCP frontends that play the two c2s. Two runs of
# xmpp-bench faults: (1) one frontend killed (-9) and started again: every client of it must
# resume on the other frontend, nothing lost, nothing duplicated; (2) Prosody itself killed and
# started again: resumption fails (the sessions died with it), the clients log in anew and resend
# what was never acknowledged (duplicates are then possible: at-least-once). Prints both result
# lines and exits non-zero when run (1) is not perfect.
#
#   tools/bench/faults-selftest.sh          # ~2 min; needs prosody and haproxy (apt-get install prosody haproxy)
#
# Reuses side-by-side.sh's functions (sourced with SIDE_BY_SIDE_LIB=1); loopback only, fixed
# ports below 32768 (Prosody 15222, the frontends 15228 and 15229); stops only what it started, by PID.
{
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
PAIRS=${PAIRS:-5} RATE=${RATE:-10} DURATION=${DURATION:-12} FAULT_AT=${FAULT_AT:-4}
PORT_FRONT1=15228 PORT_FRONT2=15229
export SIDE_BY_SIDE_LIB=1 SERVERS=prosody
# shellcheck source=side-by-side.sh
source "$HERE/side-by-side.sh"
command -v haproxy >/dev/null || die "haproxy is needed (apt-get install haproxy)"
command -v prosody >/dev/null || die "prosody is needed (apt-get install prosody)"

dotnet build "$REPO/tools/bench/Xmpp.Bench.csproj" -c Release -nologo -v q -o "$WORK/bin/bench" >"$WORK/build-bench.log" 2>&1 \
  || { grep -E "error" "$WORK/build-bench.log" | head -20; die "build of the bench failed"; }
BENCH=(dotnet "$WORK/bin/bench/xmpp-bench.dll")
make_cert
prepare_server prosody $(( 4 * PAIRS ))
# the side-by-side config loads no stream management: add mod_smacks and start again
stop_server prosody
sed -i 's/"ping"; "offline";/"ping"; "offline"; "smacks";/' "$WORK/prosody/prosody.cfg.lua"
start_server prosody

declare -A FRONT=()
front() { # 1|2 : starts that haproxy frontend in the foreground (-db), waits for its port
  local n=$1 port; port=$([ "$1" = 1 ] && echo $PORT_FRONT1 || echo $PORT_FRONT2)
  printf 'global\n  maxconn 1000\ndefaults\n  mode tcp\n  timeout connect 2s\n  timeout client 120s\n  timeout server 120s\nfrontend c2s%s\n  bind 127.0.0.1:%s\n  default_backend prosody\nbackend prosody\n  server p 127.0.0.1:%s\n' \
    "$n" "$port" "$PORT_PROSODY" >"$WORK/front$n.cfg"
  spawn "$WORK/front$n.log" haproxy -db -f "$WORK/front$n.cfg"
  FRONT[$n]=$LASTPID
  wait_port "$port" 20 || die "haproxy frontend $n did not start (see $WORK/front$n.log)"
}
front 1; front 2

run() { # name first-account victim(front2|prosody)
  local name=$1 first=$2 victim=$3 ff=$WORK/fault-$1 out=$WORK/run-$1.log
  rm -f "$ff"
  "${BENCH[@]}" faults --server "127.0.0.1:$PORT_FRONT1,127.0.0.1:$PORT_FRONT2" --domain "$DOMAIN" --password "$PASSWORD" \
    --label prosody --first "$first" --pairs "$PAIRS" --rate "$RATE" --duration "$DURATION" --fault-at "$FAULT_AT" --drain 5 \
    --fault-file "$ff" --fault "$name" --faulted-c2s "$([ "$victim" = front2 ] && echo 2 || echo 0)" >"$out" 2>"$out.err" &
  local bench=$! pid
  while [ ! -e "$ff" ] && kill -0 $bench 2>/dev/null; do sleep 0.05; done
  if [ -e "$ff" ]; then
    if [ "$victim" = front2 ]; then pid=${FRONT[2]}; else pid=${SERVER_PIDS[prosody]}; fi
    kill -KILL "$pid"; wait "$pid" 2>/dev/null || true
    sleep 1
    if [ "$victim" = front2 ]; then front 2; else start_server prosody; fi
    echo "done pid=$pid" >>"$ff"
  fi
  set +e; wait $bench; set -e
  grep -E '^faults \[' "$out" || { tail -5 "$out.err"; die "$name: no result"; }
}
run "frontend-kill" 1 front2
run "prosody-kill" $(( 2 * PAIRS + 1 )) prosody
python3 - "$WORK/run-frontend-kill.log" <<'PY'
import json, sys
d = json.loads(next(l for l in open(sys.argv[1]) if l.startswith("JSON "))[5:])
bad = [k for k in ("lost_acked", "lost_unacked", "duplicated", "misrouted", "unrecovered", "survivor_disconnects") if d[k]]
if not d["stream_management"]: bad.append("stream management off")
if d["resumed"] != d["disconnects"] or d["disconnects"] == 0: bad.append(f"resumed {d['resumed']} of {d['disconnects']} drops")
print("self-test:", "OK" if not bad else "FAILED: " + ", ".join(bad))
sys.exit(1 if bad else 0)
PY
}
