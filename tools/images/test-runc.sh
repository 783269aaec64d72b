#!/usr/bin/env bash
# The container test (run by tools/test.sh, so by CI): builds the OCI images (tools/images/build.sh),
# starts the compose topology from them with umoci and runc (tools/images/compose-runc.sh: haproxy + two c2s + router +
# sm, each in its own network namespace on one bridge), creates two accounts with xmppctl in a
# container, and has two real clients chat through haproxy:
#   bob    go-sendxmpp (Debian's package, Go's go-xmpp library) listening (-l),
#   alice  Debian's slixmpp (tests/interop/slixmpp_echo.py),
# each on its own c2s (checked with both c2s's xmpp_c2s_sessions gauge); bob sends alice a message
# from a third connection with go-sendxmpp, alice's slixmpp answers it, bob's listener prints the
# answer. Passes only when both messages arrived.
#
# Skipped, with the reason printed, only where the kernel refuses runc's namespaces (a trivial
# container fails with "operation not permitted"); any other failure fails the test.
# Needs root (namespaces, runc), runc, umoci, mmdebstrap, rsync, curl, go-sendxmpp and python3-slixmpp.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
export XMPP_RUNC_STATE=${XMPP_RUNC_STATE:-/tmp/xmpp-runc-test}
export XMPP_RUNC_PREFIX=${XMPP_RUNC_PREFIX:-xrt}
TIMEOUT=${XMPP_RUNC_TEST_TIMEOUT:-60}
T0=$SECONDS
log() { echo "test-runc [$((SECONDS - T0))s]: $*"; }
fail() { echo "test-runc: FAILED: $*" >&2; exit 1; }
compose() { bash "$REPO/tools/images/compose-runc.sh" "$@"; }
# on the containers' network; a simple command, so that a background client's $! is the client itself
CLIENT=(bash "$REPO/tools/images/compose-runc.sh" client)

[ "$(id -u)" -eq 0 ] || fail "run as root (network namespaces and runc)"
for tool in runc umoci mmdebstrap rsync curl go-sendxmpp; do command -v $tool >/dev/null || fail "$tool is missing"; done

# 1. Can this kernel run containers at all? A trivial container (/usr/bin/true, the host's /usr
#    read-only, new pid/ipc/uts/mount/network namespaces, no rlimits) answers precisely.
probe=$(mktemp -d)
mkdir -p "$probe/rootfs/usr" "$probe/rootfs/proc"
ln -s usr/lib "$probe/rootfs/lib"; ln -s usr/lib64 "$probe/rootfs/lib64"; ln -s usr/bin "$probe/rootfs/bin"
cat >"$probe/config.json" <<'JSON'
{"ociVersion": "1.0.2",
 "process": {"terminal": false, "user": {"uid": 65534, "gid": 65534}, "args": ["/usr/bin/true"],
             "env": ["PATH=/usr/bin"], "cwd": "/", "noNewPrivileges": true},
 "root": {"path": "rootfs", "readonly": true}, "hostname": "probe",
 "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/usr", "type": "bind", "source": "/usr", "options": ["rbind", "ro"]}],
 "linux": {"namespaces": [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}, {"type": "network"}]}}
JSON
if ! out=$(runc --root "$probe/state" run --bundle "$probe" "probe-$$" 2>&1); then
  rm -rf "$probe"
  if grep -qi 'operation not permitted' <<<"$out"; then
    echo "test-runc: SKIPPED: this kernel does not let runc create a container's namespaces: $out"
    exit 0
  fi
  fail "a trivial runc container failed: $out"
fi
rm -rf "$probe"
log "runc runs containers here"

# 2. The images this topology runs (build.sh without arguments also builds the gateway's).
bash tools/images/build.sh router sm c2s haproxy
log "images built"

# 3. The topology; taken down whatever happens (its logs are printed when the test failed).
clients=()
finish() {
  local rc=$?
  for pid in "${clients[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ $rc -ne 0 ]; then
    for f in "$XMPP_RUNC_STATE"/logs/*.log; do echo "----- $f (last 40 lines)"; tail -40 "$f"; done
  fi
  compose down || true
  exit $rc
}
trap finish EXIT
compose down >/dev/null 2>&1 || true
compose up
log "topology up: $(compose ps | awk 'NR>1 {printf "%s(%s) ", $1, $3}')"

compose xmppctl adduser alice@localhost alice-secret
compose xmppctl adduser bob@localhost bob-secret
HAPROXY=$(compose addr haproxy)

sessions_on() { # c2s-N: its xmpp_c2s_sessions gauge
  compose client curl -fsS --max-time 2 "http://$(compose addr "$1"):9464/metrics" | awk '/^xmpp_c2s_sessions[{ ]/ {print $NF}'
}
wait_for() { # description command...: polls until the command succeeds, at most $TIMEOUT s
  local what=$1 deadline=$((SECONDS + TIMEOUT)); shift
  until "$@"; do
    [ $SECONDS -lt $deadline ] || fail "timed out after ${TIMEOUT}s waiting for $what"
    sleep 0.3
  done
}
sessions_are() { [ "$(sessions_on c2s-1)" = "$1" ] && [ "$(sessions_on c2s-2)" = "$2" ]; }
one_session() { [ $(( $(sessions_on c2s-1) + $(sessions_on c2s-2) )) -eq 1 ]; }

# 4. bob listens with go-sendxmpp; alice logs in with slixmpp; haproxy's least-connections puts
#    them on different c2s.
work=$(mktemp -d)
"${CLIENT[@]}" go-sendxmpp -u bob@localhost -p bob-secret -j "$HAPROXY:5222" -n -l </dev/null >"$work/bob.out" 2>&1 &
clients+=($!)
wait_for "bob's session (go-sendxmpp)" one_session
log "bob (go-sendxmpp) logged in: c2s-1 has $(sessions_on c2s-1) session(s), c2s-2 $(sessions_on c2s-2)"

"${CLIENT[@]}" /usr/bin/python3 "$REPO/tests/interop/slixmpp_echo.py" --host "$HAPROXY" --port 5222 \
  --jid alice@localhost --password alice-secret --peer bob@localhost --timeout $((TIMEOUT * 2)) </dev/null >"$work/alice.out" 2>&1 &
alice=$!
clients+=($alice)
wait_for "alice's session (slixmpp)" grep -q '^READY' "$work/alice.out"
wait_for "one session on each c2s" sessions_are 1 1
log "alice (slixmpp) logged in as $(awk '/^READY/ {print $2}' "$work/alice.out"); one session on each of c2s-1 and c2s-2"

# 5. bob -> alice (go-sendxmpp sends from a third connection), alice -> bob (slixmpp answers).
body="hello alice, from go-sendxmpp $RANDOM$RANDOM"
echo "$body" | compose client go-sendxmpp -u bob@localhost -p bob-secret -j "$HAPROXY:5222" -n alice@localhost \
  || fail "go-sendxmpp could not send"
log "bob sent: $body"
wait_for "alice to receive bob's message" grep -qF "RECEIVED $body" "$work/alice.out"
log "alice received it: $(grep -F RECEIVED "$work/alice.out")"
wait_for "bob's listener to receive alice's answer" grep -qF "alice@localhost: echo: $body" "$work/bob.out"
log "bob received: $(grep -F "echo: $body" "$work/bob.out")"
wait "$alice" || fail "slixmpp exited with $?: $(cat "$work/alice.out")"
rm -rf "$work"
log "PASSED: a slixmpp client and a go-sendxmpp client chatted through haproxy across two c2s, all in runc containers"
