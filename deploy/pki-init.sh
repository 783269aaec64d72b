#!/bin/sh
# The compose init service (docker-compose.yml, service pki): creates the deployment CA and the link
# certificates on first start (xmppctl pki init keeps what exists), then gives each service's volume
# only what that service needs: the CA certificate and its own certificate and key
# (ca.crt, link.crt, link.key; the admin's as xmppctl looks for them: admin-xmppctl.crt/.key).
# The CA's key stays in the volume pki-ca, which only this service mounts.
set -eu
DOMAIN=${XMPP_DOMAIN:-localhost}
APP_UID=${APP_UID:-1654}
COMPONENTS=${XMPP_COMPONENTS:-} # service domains for the XEP-0114 gateway, comma-separated
xmppctl pki init --dir /pki/ca --domain "$DOMAIN" --c2s c2s-1,c2s-2,c2s-3 ${COMPONENTS:+--component "$COMPONENTS"}
xmppctl pki init --dir /pki/ca --domain "$DOMAIN" --c2s c2s-1,c2s-2,c2s-3 --component "conference.$DOMAIN" >/dev/null # muc

give() { # volume-dir source-name target-name
  cp /pki/ca/ca.crt "$1/ca.crt"
  cp /pki/ca/"$2".crt "$1/$3.crt"
  cp /pki/ca/"$2".key "$1/$3.key"
  chown "$APP_UID" "$1"/*
  chmod 644 "$1"/*.crt
  chmod 600 "$1"/*.key
}
give /pki/router router router
give /pki/sm "sm-$DOMAIN" link
for i in 1 2 3; do give "/pki/c2s-$i" "c2s-c2s-$i" link; done
give /pki/admin admin-xmppctl admin-xmppctl
give /pki/muc "component-conference.$DOMAIN" link
# the gateway: the CA and every component certificate under its own name (component-<domain>.crt/.key)
cp /pki/ca/ca.crt /pki/gateway/ca.crt
for domain in $(echo "$COMPONENTS" | tr ',' ' '); do # only the gateway's domains (not muc's)
  name=component-$domain
  crt=/pki/ca/$name.crt
  [ -e "$crt" ] || continue
  cp "$crt" "/pki/gateway/$name.crt"; cp "/pki/ca/$name.key" "/pki/gateway/$name.key"
done
chown "$APP_UID" /pki/gateway/*
chmod 644 /pki/gateway/*.crt; chmod 600 /pki/gateway/*.key 2>/dev/null || true
echo "pki: certificates in place for router, sm, c2s-1..3, muc and the admin"
