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
SERVICES="upload.$DOMAIN,conference.$DOMAIN,pubsub.$DOMAIN" # the service components' links (upload, muc, pubsub)
xmppctl pki init --dir /pki/ca --domain "$DOMAIN" --c2s "$C2S" --component "$SERVICES${COMPONENTS:+,$COMPONENTS}"

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
give /pki/muc "component-conference.$DOMAIN" link
give /pki/pubsub "component-pubsub.$DOMAIN" link
# the gateway: the CA and every component certificate under its own name (component-<domain>.crt/.key)
cp /pki/ca/ca.crt /pki/gateway/ca.crt
for domain in $(echo "$COMPONENTS" | tr ',' ' '); do # only the gateway's domains (not the services')
  name=component-$domain
  crt=/pki/ca/$name.crt
  [ -e "$crt" ] || continue
  cp "$crt" "/pki/gateway/$name.crt"; cp "/pki/ca/$name.key" "/pki/gateway/$name.key"
done
chown "$APP_UID" /pki/gateway/*
chmod 644 /pki/gateway/*.crt; chmod 600 /pki/gateway/*.key 2>/dev/null || true
echo "pki: certificates in place for router, sm, $C2S, upload, muc, pubsub and the admin"
