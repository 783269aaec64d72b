#!/usr/bin/env bash
# Runs router + sm + one c2s + the pubsub and upload services as separate processes on this machine, with defaults:
# domain localhost, clients on port 5222 (STARTTLS, self-signed certificate) and 5223 (direct TLS,
# XEP-0368; DIRECT_TLS_PORT), SQLite under ./data.
# The links between them are mutual TLS: on first start the deployment CA and one certificate per
# process (and the admin's, for xmppctl) are created under $DATA_DIR/pki (keys 0600), then reused.
# Ctrl-C stops the processes (only those this script started).
# Also started: the XEP-0060 pubsub service on pubsub.$DOMAIN (its own process; data under $DATA_DIR/pubsub).
# Group chat (XEP-0045, muc/) runs too, on conference.$DOMAIN (its rooms under $DATA_DIR/muc).
# COMPONENTS="bot.localhost=secret ..." also runs the XEP-0114 gateway (loopback, GATEWAY_PORT, 5275)
# for those component domains and secrets (passed in its environment, not on its command line).
# The XEP-0363 upload service runs too, on upload.$DOMAIN: HTTPS on UPLOAD_PORT (5281, loopback,
# self-signed certificate), URLs starting with UPLOAD_URL (https://localhost:5281), files in $DATA_DIR/upload.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA_DIR=${DATA_DIR:-$PWD/data}
DOMAIN=${DOMAIN:-localhost}
C2S_PORT=${C2S_PORT:-5222}
DIRECT_TLS_PORT=${DIRECT_TLS_PORT:-5223}
ROUTER_PORT=${ROUTER_PORT:-5347}
mkdir -p "$DATA_DIR/logs"

dotnet build Distributed.sln -c Release -v q -nologo >/dev/null
bin() { echo "$1/bin/Release/net10.0/$2.dll"; }

pids=()
stop() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap stop EXIT INT TERM

start() { # name dll args...
  local name=$1 dll=$2; shift 2
  env ${START_ENV[@]+"${START_ENV[@]}"} dotnet "$dll" "$@" >"$DATA_DIR/logs/$name.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 150); do
    grep -q READY "$DATA_DIR/logs/$name.log" && { echo "$name: $(grep -m1 READY "$DATA_DIR/logs/$name.log" | sed 's/^ *//')"; return; }
    kill -0 "${pids[-1]}" 2>/dev/null || { echo "$name failed to start:"; cat "$DATA_DIR/logs/$name.log"; exit 1; }
    sleep 0.2
  done
  echo "$name did not become ready; see $DATA_DIR/logs/$name.log"; exit 1
}

PKI=$DATA_DIR/pki
XMPPCTL="dotnet $(bin tools/xmppctl xmppctl)"
$XMPPCTL pki init --dir "$PKI" --domain "$DOMAIN" --c2s c2s-1 | sed 's/^/pki: /'

ROUTER=https://127.0.0.1:$ROUTER_PORT
start router "$(bin router xmpp-router)" --Router:ListenPort=$ROUTER_PORT \
  --Router:ServerCertificate="$PKI/router.crt" --Router:CaCertificate="$PKI/ca.crt"
start sm "$(bin sm xmpp-sm)" --Router:Address=$ROUTER --Sm:Domain=$DOMAIN --Sm:DataDirectory="$DATA_DIR" \
  --Router:CaCertificate="$PKI/ca.crt" --Router:Certificate="$PKI/sm-$DOMAIN.crt"
# c2s as its container runs it (c2s/Dockerfile): glibc maps OpenSSL's 16 KiB+ record buffers one by one.
GLIBC_TUNABLES=${GLIBC_TUNABLES-glibc.malloc.mmap_threshold=16384} start c2s "$(bin c2s xmpp-c2s)" --Router:Address=$ROUTER --C2s:Domain=$DOMAIN --C2s:Port=$C2S_PORT --C2s:DirectTlsPort=$DIRECT_TLS_PORT --C2s:InstanceId=c2s-1 \
  --Router:CaCertificate="$PKI/ca.crt" --Router:Certificate="$PKI/c2s-c2s-1.crt"
$XMPPCTL pki issue --dir "$PKI" --role component --name "pubsub.$DOMAIN" | sed 's/^/pki: /'
start pubsub "$(bin pubsub xmpp-pubsub)" --Router:Address=$ROUTER --Component:Domain="pubsub.$DOMAIN" --Component:ServerDomain=$DOMAIN \
  --PubSub:DataDirectory="$DATA_DIR/pubsub" --Router:CaCertificate="$PKI/ca.crt" --Router:Certificate="$PKI/component-pubsub.$DOMAIN.crt"

UPLOAD_PORT=${UPLOAD_PORT:-5281}
$XMPPCTL pki init --dir "$PKI" --domain "$DOMAIN" --c2s c2s-1 --component "upload.$DOMAIN" | sed 's/^/pki: /'
start upload "$(bin upload xmpp-upload)" --Router:Address=$ROUTER --Component:Domain="upload.$DOMAIN" --Component:ServerDomain=$DOMAIN \
  --Router:CaCertificate="$PKI/ca.crt" --Router:Certificate="$PKI/component-upload.$DOMAIN.crt" --Upload:DataDirectory="$DATA_DIR/upload" \
  --Upload:Http:Port=$UPLOAD_PORT --Upload:Http:PublicUrl="${UPLOAD_URL:-https://localhost:$UPLOAD_PORT}"

MUC_DOMAIN=conference.$DOMAIN
$XMPPCTL pki init --dir "$PKI" --domain "$DOMAIN" --c2s c2s-1 --component "$MUC_DOMAIN" >/dev/null
start muc "$(bin muc xmpp-muc)" --Router:Address=$ROUTER --Component:Domain=$MUC_DOMAIN --Component:ServerDomain=$DOMAIN \
  --Muc:DataDirectory="$DATA_DIR/muc" --Router:CaCertificate="$PKI/ca.crt" --Router:Certificate="$PKI/component-$MUC_DOMAIN.crt"

if [ -n "${COMPONENTS:-}" ]; then
  START_ENV=(); domains=()
  for pair in $COMPONENTS; do domains+=("${pair%%=*}"); START_ENV+=("Gateway__Components__${pair%%=*}__Secret=${pair#*=}"); done
  $XMPPCTL pki init --dir "$PKI" --domain "$DOMAIN" --c2s c2s-1 --component "$(IFS=,; echo "${domains[*]}")" | sed 's/^/pki: /'
  start gateway "$(bin gateway xmpp-gateway)" --Router:Address=$ROUTER --Gateway:Domain=$DOMAIN --Gateway:Port=${GATEWAY_PORT:-5275} \
    --Router:CaCertificate="$PKI/ca.crt" --Gateway:CertificateDirectory="$PKI"
  START_ENV=()
fi

cat <<MSG

Server running: domain $DOMAIN, clients on port $C2S_PORT (STARTTLS) and $DIRECT_TLS_PORT (direct TLS), self-signed certificate.
HTTP upload (XEP-0363) on upload.$DOMAIN, files over HTTPS on port $UPLOAD_PORT.
Pubsub (XEP-0060) on pubsub.$DOMAIN.
Group chat rooms on $MUC_DOMAIN.
Logs in $DATA_DIR/logs. Add a user from another terminal (as the admin, with its certificate):
  $XMPPCTL --router $ROUTER --pki $PKI adduser alice@$DOMAIN secret
Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
