#!/usr/bin/env bash
# The compose topology (docker-compose.yml) run with runc, from the OCI images tools/images/build.sh
# made (unpacked with umoci), without a container engine: haproxy + N c2s + router + sm, each container in its own
# network namespace, all joined by one Linux bridge that lives in a network namespace of its own
# (nothing is added to the host's network: the host reaches the containers only through
# `compose-runc.sh client CMD`, which runs CMD in a namespace on the same bridge).
#
#   tools/images/compose-runc.sh up                 start everything, wait until each is ready
#   tools/images/compose-runc.sh xmppctl ARGS...    xmppctl (router image, admin certificate), e.g. adduser alice@localhost secret
#   tools/images/compose-runc.sh client CMD...      run CMD on the containers' network (as a client would)
#   tools/images/compose-runc.sh addr NAME          a container's address (haproxy, router, sm, c2s-1, ...)
#   tools/images/compose-runc.sh ps                 the containers (runc list)
#   tools/images/compose-runc.sh down               stop and delete the containers and namespaces (logs stay)
#
# Like docker-compose.yml: a one-shot `pki` container (router image, as root with CAP_CHOWN and CAP_FOWNER only,
# deploy/pki-init.sh) creates the CA and the link certificates; each service mounts only its own, read-only,
# at /pki. Every long-running container runs as uid 1654 with a read-only root filesystem, a tmpfs
# /tmp and no capabilities; sm's SQLite database is in the volume $STATE/volumes/sm-data (/data).
# HAProxy (Debian's package, its own image) runs deploy/haproxy.cfg with the servers of this
# topology and without Docker's DNS resolver (names come from the /etc/hosts this script mounts
# into every container), and sends each c2s a PROXY v2 header, which the c2s trust from its address only.
#
# Settings (environment):
#   XMPP_RUNC_C2S=2            how many c2s (c2s-1..N)
#   XMPP_RUNC_STATE=/run/xmpp-runc   bundles, certificates, volumes, logs (logs/NAME.log)
#   XMPP_RUNC_PREFIX=xr        prefix of the network namespaces and container ids (one topology per prefix)
#   XMPP_RUNC_SUBNET=10.213.0  the bridge's /24, used only inside the namespaces made here
#   XMPP_DOMAIN=localhost      the served domain
#   XMPP_IMAGE_CACHE           where build.sh put the images (default ~/.cache/xmpp-images); their
#                              unpacked root filesystems are kept there too (unpacked/)
#   XMPP_RUNC_READY_TIMEOUT=60 seconds each container may take to become ready
#   XMPP_RUNC_ENV="K=V ..."    more environment for the router, sm and c2s containers
#                              (e.g. Logging__LogLevel__Default=Warning)
# More sm (shards) or a PostgreSQL container: add them to `services`, `address_of` and `start_all`
# below like sm; each gets its namespace, address and /etc/hosts line from those two functions.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
CACHE=${XMPP_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xmpp-images}
IMAGES=$CACHE/images
STATE=${XMPP_RUNC_STATE:-/run/xmpp-runc}
PREFIX=${XMPP_RUNC_PREFIX:-xr}
SUBNET=${XMPP_RUNC_SUBNET:-10.213.0}
DOMAIN=${XMPP_DOMAIN:-localhost}
C2S_COUNT=${XMPP_RUNC_C2S:-2}
READY_TIMEOUT=${XMPP_RUNC_READY_TIMEOUT:-60}
RUNC=(runc --root "$STATE/runc")

fail() { echo "compose-runc.sh: $*" >&2; exit 1; }
say() { echo "compose-runc.sh: $*"; }

c2s_ids() { local i; for i in $(seq 1 "$C2S_COUNT"); do echo "c2s-$i"; done; }
# Every container, in start order.
services() { echo router; echo sm; c2s_ids; echo haproxy; }
address_of() {
  case $1 in
    router) echo "$SUBNET.2" ;;
    sm) echo "$SUBNET.3" ;;
    haproxy) echo "$SUBNET.10" ;;   # the c2s trust PROXY headers from this address only
    c2s-*) echo "$SUBNET.$((20 + ${1#c2s-}))" ;;
    client) echo "$SUBNET.250" ;;   # clients, xmppctl and the one-shot pki container
    *) fail "no address for $1" ;;
  esac
}
netns() { echo "$PREFIX-$1"; }

network_up() {
  local bridge_ns name ns i=0
  bridge_ns=$(netns net)
  ip netns add "$bridge_ns"
  ip -n "$bridge_ns" link add br0 type bridge
  ip -n "$bridge_ns" link set br0 up
  for name in $(services) client; do
    ns=$(netns "$name"); i=$((i + 1))
    ip netns add "$ns"
    # a veth pair: v<i> on the bridge (in the bridge's namespace), eth0 in the container's
    ip link add "v$i" netns "$bridge_ns" type veth peer name eth0 netns "$ns"
    ip -n "$bridge_ns" link set "v$i" master br0 up
    ip -n "$ns" addr add "$(address_of "$name")/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
  done
}

hosts_file() {
  local name
  { echo "127.0.0.1 localhost"; for name in $(services); do echo "$(address_of "$name") $name"; done; } >"$STATE/hosts"
}

# An image's OCI layout unpacked by umoci (its rootfs/ and the runtime config umoci derives from the
# image config), once per image digest in $CACHE/unpacked; prints the directory. Every container of
# the image shares the rootfs: it is mounted read-only.
unpacked() { # image
  local digest dir
  [ -f "$IMAGES/$1/index.json" ] || fail "no image $1 in $IMAGES: run tools/images/build.sh"
  digest=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["manifests"][0]["digest"].split(":")[1][:16])' "$IMAGES/$1/index.json")
  dir=$CACHE/unpacked/$1-$digest
  if [ ! -e "$dir/.complete" ]; then
    rm -rf "$CACHE/unpacked/$1"-*; mkdir -p "$CACHE/unpacked"
    say "$1: umoci unpack $IMAGES/$1 (image $digest)" >&2
    umoci unpack --image "$IMAGES/$1:latest" "$dir" >/dev/null || fail "umoci unpack $1 failed"
    touch "$dir/.complete"
  fi
  echo "$dir"
}

# bundle NAME IMAGE [runc-config.py options...] [-- ARGS...]: writes $STATE/bundles/NAME/config.json.
bundle() {
  local name=$1 image=$2; shift 2
  mkdir -p "$STATE/bundles/$name"
  /usr/bin/python3 "$REPO/tools/images/runc-config.py" --image-dir "$(unpacked "$image")" \
    --out "$STATE/bundles/$name/config.json" --hostname "$name" --netns "/run/netns/$(netns "${NETNS_OF:-$name}")" \
    --mount "$STATE/hosts:/etc/hosts:ro" "$@"
}

# start NAME IMAGE [runc-config.py options...]: a long-running container, its output in logs/NAME.log.
start() {
  local name=$1
  bundle "$@"
  "${RUNC[@]}" run -d --bundle "$STATE/bundles/$name" "$PREFIX-$name" </dev/null >"$STATE/logs/$name.log" 2>&1 \
    || { cat "$STATE/logs/$name.log" >&2; fail "runc run $name failed"; }
}

# one-shot NAME IMAGE [options...] -- ARGS...: runs to completion in the client namespace; its output to ours.
one_shot() {
  local name=$1
  NETNS_OF=client bundle "$@"
  "${RUNC[@]}" run --bundle "$STATE/bundles/$name" "$PREFIX-$name-$$" </dev/null
}

http_ok() { # url: 0 when it answers 200
  ip netns exec "$(netns client)" curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null
}

wait_ready() { # name url
  local deadline=$((SECONDS + READY_TIMEOUT))
  until http_ok "$2"; do
    if [ "$("${RUNC[@]}" state "$PREFIX-$1" 2>/dev/null | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])' 2>/dev/null)" != running ]; then
      tail -50 "$STATE/logs/$1.log" >&2; fail "$1 stopped while starting (log above: $STATE/logs/$1.log)"
    fi
    [ $SECONDS -lt $deadline ] || { tail -50 "$STATE/logs/$1.log" >&2; fail "$1 not ready after ${READY_TIMEOUT}s ($2)"; }
    sleep 0.3
  done
  say "$1 ready ($(address_of "$1"), $2)"
}

# deploy/haproxy.cfg for this topology: its servers are c2s-1..N, Docker's DNS resolver is left
# out (the names are in /etc/hosts), and a stats page on :8404 shows the servers' state.
haproxy_config() {
  local ids
  ids=$(c2s_ids | tr '\n' ' ')
  awk -v ids="$ids" '
    /^resolvers / { skip = 1; next }
    skip && (/^[^ \t]/ || /^$/) { skip = 0 }
    skip { next }
    { gsub(/ resolvers docker/, "") }
    /^[ \t]*server c2s-/ { next }
    { print }
    /^[ \t]*default-server/ {
      port = (backend == "c2s-tls") ? 5223 : 5222
      n = split(ids, id, " ")
      for (i = 1; i <= n; i++) printf "    server %s %s:%d check port 9464 send-proxy-v2\n", id[i], id[i], port
    }
    /^backend / { backend = $2 }
  ' "$REPO/deploy/haproxy.cfg"
  printf '\nlisten stats\n    mode http\n    bind :8404\n    stats enable\n    stats uri /stats\n'
}

start_all() {
  local link=(--env Router__Address=https://router:5347) extra=() kv
  for kv in ${XMPP_RUNC_ENV:-}; do extra+=(--env "$kv"); done
  start router router "${extra[@]}" --mount "$STATE/pki/router:/pki:ro"
  wait_ready router "http://$(address_of router):9464/health/ready"

  # sm with SQLite in its volume. (With PostgreSQL: --env Sm__Storage__Provider=postgres and its
  # connection string; shards: one such line per shard, each with its own pki and volume.)
  start sm sm "${link[@]}" "${extra[@]}" --env "Sm__Domain=$DOMAIN" --mount "$STATE/pki/sm:/pki:ro" --mount "$STATE/volumes/sm-data:/data"
  wait_ready sm "http://$(address_of sm):9464/health/ready"

  local id
  for id in $(c2s_ids); do
    start "$id" c2s "${link[@]}" "${extra[@]}" --env "C2s__Domain=$DOMAIN" --env "C2s__InstanceId=$id" --env C2s__DirectTlsPort=5223 \
      --env "C2s__ProxyProtocol__TrustedProxies__0=$(address_of haproxy)" --mount "$STATE/pki/$id:/pki:ro"
  done
  for id in $(c2s_ids); do wait_ready "$id" "http://$(address_of "$id"):9464/health/ready"; done

  haproxy_config >"$STATE/haproxy.cfg"
  start haproxy haproxy --mount "$STATE/haproxy.cfg:/etc/haproxy/haproxy.cfg:ro"
  wait_ready haproxy "http://$(address_of haproxy):8404/stats"
  # every c2s UP in haproxy's own health checks (/health/ready through its httpchk)
  local deadline=$((SECONDS + READY_TIMEOUT)) up
  while :; do
    up=$(ip netns exec "$(netns client)" curl -fsS --max-time 2 "http://$(address_of haproxy):8404/stats;csv" 2>/dev/null \
      | awk -F, '$1=="c2s" && $2 ~ /^c2s-/ && $18=="UP"' | wc -l)
    [ "$up" -eq "$C2S_COUNT" ] && break
    [ $SECONDS -lt $deadline ] || fail "haproxy sees $up of $C2S_COUNT c2s UP after ${READY_TIMEOUT}s"
    sleep 0.3
  done
  say "haproxy: $C2S_COUNT c2s UP; clients connect to $(address_of haproxy):5222 (STARTTLS) and :5223 (direct TLS)"
}

up() {
  [ "$(id -u)" -eq 0 ] || fail "run as root (network namespaces, runc)"
  for tool in runc umoci ip curl; do command -v $tool >/dev/null || fail "$tool is missing"; done
  [ ! -e "/run/netns/$(netns net)" ] || fail "a topology with prefix $PREFIX runs already (compose-runc.sh down)"
  local image
  for image in router sm c2s haproxy; do unpacked $image >/dev/null; done
  rm -rf "$STATE"
  mkdir -p "$STATE/logs" "$STATE/bundles" "$STATE/runc" "$STATE/volumes/sm-data"
  chown 1654:1654 "$STATE/volumes/sm-data"
  network_up
  hosts_file
  say "network: bridge in namespace $(netns net), $SUBNET.0/24; $(services | tr '\n' ' ')client"

  # the pki one-shot, as docker-compose.yml's pki service
  local dirs=(ca router sm admin gateway upload pubsub muc) id # every volume pki-init.sh fills, started here or not
  for id in $(c2s_ids); do dirs+=("$id"); done
  for id in "${dirs[@]}"; do mkdir -p "$STATE/pki/$id"; done
  chmod 700 "$STATE/pki/ca"
  cp "$REPO/deploy/pki-init.sh" "$STATE/pki/pki-init.sh"
  one_shot pki router --user 0:0 --cap CAP_CHOWN --cap CAP_FOWNER --mount "$STATE/pki:/pki" \
    --env "XMPP_DOMAIN=$DOMAIN" --env "XMPP_C2S=$(c2s_ids | paste -sd,)" -- /bin/sh /pki/pki-init.sh
  start_all
}

down() {
  local id ns
  if [ -d "$STATE/runc" ]; then
    for id in $("${RUNC[@]}" list -q 2>/dev/null); do "${RUNC[@]}" kill "$id" TERM 2>/dev/null || true; done
    local deadline=$((SECONDS + 10))
    while "${RUNC[@]}" list 2>/dev/null | awk 'NR>1 && $3=="running"' | grep -q . && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    for id in $("${RUNC[@]}" list -q 2>/dev/null); do "${RUNC[@]}" delete -f "$id" 2>/dev/null || true; done
  fi
  for ns in $(ip netns list | awk -v p="$PREFIX-" 'index($1, p) == 1 {print $1}'); do ip netns del "$ns"; done
  say "down (logs in $STATE/logs)"
}

case ${1:-} in
  up) up ;;
  down) down ;;
  ps) "${RUNC[@]}" list ;;
  addr) address_of "$2" ;;
  client) shift; exec ip netns exec "$(netns client)" "$@" ;;
  xmppctl) shift; mkdir -p "$STATE/bundles"
    one_shot xmppctl router --mount "$STATE/pki/admin:/pki:ro" -- /app/xmppctl --router https://router:5347 --pki /pki "$@" ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 2 ;;
esac
