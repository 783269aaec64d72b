#!/usr/bin/env bash
# Capacity per pod, measured in the containers: starts the runc topology (compose-runc.sh, the
# images build.sh made), registers accounts over the router, and runs tools/bench (xmpp-bench)
# against ONE c2s container (c2s-1, on its own loopback inside its network namespace, so haproxy
# is not in the path) and its sm and router: login, messages flat out, messages paced, idle
# connections. The bench reads each container process's CPU seconds and resident memory from /proc
# (--server-pids: runc's container processes are the host's). Prints the bench's JSON lines and a
# per-process summary (CPU per message and per login, KiB per idle connection); docs/DEPLOY.md
# ("Capacity per pod") quotes a run.
#
# usage: sudo tools/images/capacity.sh     (the images must exist: tools/images/build.sh)
# Settings: CAP_ACCOUNTS=2000 CAP_ONLINE=1000 CAP_SECONDS=10 CAP_RATE=5000 CAP_IDLE=5000 (0: no idle run)
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
export XMPP_RUNC_STATE=${XMPP_RUNC_STATE:-/tmp/xmpp-runc-capacity}
export XMPP_RUNC_PREFIX=${XMPP_RUNC_PREFIX:-xrc}
# as tools/bench/side-by-side.sh runs ours: warnings only, and no per-address limits (every bench
# connection comes from 127.0.0.1)
export XMPP_RUNC_ENV="Logging__LogLevel__Default=Warning C2s__Limits__MaxConnectionsPerIp=0 C2s__Limits__ConnectionsPerIpPerSecond=0"
ACCOUNTS=${CAP_ACCOUNTS:-2000}
ONLINE=${CAP_ONLINE:-1000}
SECONDS_=${CAP_SECONDS:-10}
RATE=${CAP_RATE:-5000}
IDLE=${CAP_IDLE:-5000}
compose() { bash "$REPO/tools/images/compose-runc.sh" "$@"; }
in_ns() { local ns=$1; shift; ip netns exec "$XMPP_RUNC_PREFIX-$ns" "$@"; }

[ "$(id -u)" -eq 0 ] || { echo "capacity.sh: run as root" >&2; exit 1; }
dotnet build tools/bench/Xmpp.Bench.csproj -c Release -nologo -v q >/dev/null
BENCH=(dotnet "$REPO/tools/bench/bin/Release/net10.0/xmpp-bench.dll")

trap 'compose down >/dev/null 2>&1 || true' EXIT
compose down >/dev/null 2>&1 || true
compose up
pid_of() { runc --root "$XMPP_RUNC_STATE/runc" state "$XMPP_RUNC_PREFIX-$1" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])'; }
PIDS="$(pid_of c2s-1),$(pid_of sm),$(pid_of router)"
echo "capacity.sh: c2s-1, sm, router are processes $PIDS"

in_ns router "${BENCH[@]}" register --router https://127.0.0.1:5347 --pki "$XMPP_RUNC_STATE/pki/admin" --domain localhost \
  --users "$ACCOUNTS" --password bench-secret
out=$XMPP_RUNC_STATE/capacity.jsonl
: >"$out"
# one run; a run that fails (the bench exits non-zero) is reported and the next one still runs
bench() {
  in_ns c2s-1 "${BENCH[@]}" "$@" --server 127.0.0.1:5222 --domain localhost --password bench-secret \
    --server-pids "$PIDS" --label runc | tr '\r' '\n' | tee /dev/stderr | sed -n 's/^JSON //p' >>"$out" \
    || echo "capacity.sh: the run '$1' failed (its figures, if any, are below)" >&2
}
bench login --accounts "$ACCOUNTS" --concurrency 50
bench messages --online "$ONLINE" --duration "$SECONDS_" --warmup 3 --window 4 --concurrency 50
bench messages --online 200 --duration "$SECONDS_" --warmup 3 --rate "$RATE" --window 1000 --concurrency 50
[ "$IDLE" -eq 0 ] || bench idle --connections "$IDLE" --settle 10 --prime 200

/usr/bin/python3 - "$out" <<'PY'
import json, sys
runs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
def split(r):
    out = {}
    for key, value in r.get("server_cpu", {}).items():
        out[key.split(":")[0]] = out.get(key.split(":")[0], 0) + value
    return out
print("\ncapacity.sh: per process, in the containers")
for r in runs:
    if r["scenario"] == "login" and r["ok"]:
        cpu = split(r)
        print(f"  login: {r['logins_per_s']:.0f}/s ({r['failed']} failed); CPU per login " + ", ".join(f"{k} {v / r['ok'] * 1000:.2f} ms" for k, v in cpu.items()))
    elif r["scenario"] == "messages":
        n = r["delivered_per_s"] * r["seconds"]
        cpu = split(r)
        kind = "paced" if r.get("rate") else "flat out"
        print(f"  messages {kind}, {r['online']} online: {r['delivered_per_s']:.0f}/s, p99 {r['p99_ms']:.1f} ms, lost {r['lost']}; CPU per message "
              + ", ".join(f"{k} {v / n * 1e6:.1f} us" for k, v in cpu.items()))
    elif r["scenario"] == "idle" and r["ok"]:
        per = {k.split(":")[0]: v["delta"] / r["ok"] for k, v in r["per_process_kib"].items()}
        print(f"  idle: {r['ok']} of {r['connections']} connections held; KiB per connection " + ", ".join(f"{k} {v:.1f}" for k, v in per.items()))
PY
