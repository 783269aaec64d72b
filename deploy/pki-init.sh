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
C2S=${XMPP_C2S:-c2s-1,c2s-2,c2s-3} # the c2s instance ids, comma-separated (each has its volume /pki/<id>)
xmppctl pki init --dir /pki/ca --domain "$DOMAIN" --c2s "$C2S" ${COMPONENTS:+--component "$COMPONENTS"}
xmppctl pki init --dir /pki/ca --domain "$DOMAIN" --c2s "$C2S" --component "upload.$DOMAIN" # the upload service's link

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
for id in $(echo "$C2S" | tr , ' '); do give "/pki/$id" "c2s-$id" link; done
give /pki/admin admin-xmppctl admin-xmppctl
give /pki/upload "component-upload.$DOMAIN" link
xmppctl pki issue --dir /pki/ca --role component --name "pubsub.$DOMAIN" # the pubsub service (XEP-0060)
give /pki/pubsub "component-pubsub.$DOMAIN" link
# the gateway: the CA and every component certificate under its own name (component-<domain>.crt/.key)
cp /pki/ca/ca.crt /pki/gateway/ca.crt
for crt in /pki/ca/component-*.crt; do
  [ -e "$crt" ] || continue
  name=$(basename "$crt" .crt)
  [ "$name" = "component-upload.$DOMAIN" ] && continue # the upload service's own, not an external component's
  cp "$crt" "/pki/gateway/$name.crt"; cp "/pki/ca/$name.key" "/pki/gateway/$name.key"
done
chown "$APP_UID" /pki/gateway/*
chmod 644 /pki/gateway/*.crt; chmod 600 /pki/gateway/*.key 2>/dev/null || true
echo "pki: certificates in place for router, sm, $C2S and the admin"
