#!/usr/bin/env bash
# Builds the container images without a registry or a container engine, from Debian's packages and
# our own source:
#   base     a minimal Debian 12 root filesystem (mmdebstrap, variant essential: libc, a shell and
#            coreutils; plus libssl3, libstdc++6, zlib1g and ca-certificates, what a self-contained
#            .NET publish needs; the processes run with InvariantGlobalization, so no ICU)
#   router   base + /app: xmpp-router and xmppctl (`dotnet publish -r linux-x64 --self-contained`)
#   sm, c2s, gateway   base + /app: that process, published the same way
#   haproxy  Debian's haproxy package in its own root filesystem (only for the runc topology:
#            tools/images/compose-runc.sh; a real deployment uses any haproxy image)
# Each image is an OCI image layout in $CACHE/images/NAME (tools/images/oci-image.py: the base layer,
# shared, and the application layer; haproxy has only its Debian layer), which
# `skopeo copy oci:DIR:latest docker://REGISTRY/NAME` pushes anywhere and `umoci unpack` turns into
# a runc bundle (tools/images/compose-runc.sh does).
#
# Cached under $XMPP_IMAGE_CACHE (default ~/.cache/xmpp-images): the Debian root filesystems are
# built once per package list (delete the cache directory to refresh them), the sources are copied
# with rsync so that `dotnet publish` rebuilds only what changed.
#
# usage: tools/images/build.sh [image...]     (default: router sm c2s gateway haproxy)
# Prints each image's digest and layer sizes at the end. Needs root (mmdebstrap's root mode; root-owned image files),
# mmdebstrap, rsync and the .NET 10 SDK.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
CACHE=${XMPP_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/xmpp-images}
SUITE=${XMPP_IMAGE_SUITE:-bookworm}
MIRROR=${XMPP_IMAGE_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${XMPP_IMAGE_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
BASE_PACKAGES=ca-certificates,libssl3,libstdc++6,zlib1g
# The uid the processes run as in every image (the same as Microsoft's .NET images' APP_UID).
APP_UID=1654
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

images=()
for arg in "$@"; do
  case $arg in
    router|sm|c2s|gateway|haproxy) images+=("$arg") ;;
    *) echo "build.sh: unknown argument $arg (images: router sm c2s gateway haproxy)" >&2; exit 2 ;;
  esac
done
[ ${#images[@]} -gt 0 ] || images=(router sm c2s gateway haproxy)

fail() { echo "build.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "run as root (mmdebstrap's root mode, and image files owned by root)"
for tool in mmdebstrap rsync dotnet; do command -v $tool >/dev/null || fail "$tool is missing"; done
mkdir -p "$CACHE"
step() { echo "build.sh: $*"; }

# A Debian root filesystem with the essential packages and these, built once per package list.
# Prints its directory.
debian_rootfs() { # name packages(comma-separated)
  local key dir
  key=$(printf '%s\n' "$SUITE" "$MIRROR" "$SECURITY_MIRROR" "$2" "v1" | sha256sum | cut -c1-16)
  dir=$CACHE/debian/$1-$key
  if [ ! -e "$dir/.complete" ]; then
    step "$1: mmdebstrap $SUITE with $2 (once; cached in $dir)" >&2
    rm -rf "$dir"; mkdir -p "$dir"
    mmdebstrap --quiet --variant=essential --include="$2" \
      --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
      --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
      --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/var/log/*' \
      "$SUITE" "$dir/rootfs" \
      "deb $MIRROR $SUITE main" "deb $MIRROR $SUITE-updates main" "deb $SECURITY_MIRROR $SUITE-security main" >&2
    touch "$dir/.complete"
  fi
  echo "$dir/rootfs"
}

# The projects published into an image's /app (the entry point is images.json's).
projects_of() {
  case $1 in
    router) echo router/Xmpp.Router.csproj tools/xmppctl/Xmppctl.csproj ;;
    sm) echo sm/Xmpp.Sm.csproj ;;
    c2s) echo c2s/Xmpp.C2s.csproj ;;
    gateway) echo gateway/Xmpp.Gateway.csproj ;;
  esac
}

# Our sources, copied (without bin/ and obj/ of the worktree) to a build tree of the cache's own, so
# that the publish for linux-x64 neither disturbs nor is disturbed by the worktree's own builds.
sync_sources() {
  mkdir -p "$CACHE/src"
  rsync -a --delete --exclude=bin/ --exclude=obj/ \
    --include=/global.json --include=/Directory.Build.props --include=/Directory.Packages.props \
    --include=/protos/*** --include=/common/*** --include=/router/*** --include=/sm/*** --include=/c2s/*** \
    --include=/gateway/*** --include=/tools/ --include=/tools/xmppctl/*** --exclude='*' \
    "$REPO/" "$CACHE/src/"
}

# The application layer's directory: /app (the publish, owned by root), and the mount points of
# the image's volumes (/pki; /data for sm, owned by the process's uid).
stage_layer() { # name publish-dir
  local layer=$CACHE/layer/$1
  rm -rf "$layer"; mkdir -p "$layer/app" "$layer/pki"
  cp -a "$2/." "$layer/app/"
  chown -R 0:0 "$layer"; chmod -R a+rX,go-w "$layer"
  if [ "$1" = sm ]; then mkdir -p "$layer/data"; chown $APP_UID:$APP_UID "$layer/data"; fi
  echo "$layer"
}

oci_image() { # name base-rootfs [layer-dir]
  step "$1: OCI image layout"
  /usr/bin/python3 tools/images/oci-image.py --image "$1" --uid $APP_UID --base "$2" ${3:+--layer "$3"} \
    --layers "$CACHE/layers" --out "$CACHE/images/$1"
}

base=$(debian_rootfs base "$BASE_PACKAGES")
published=0
for image in "${images[@]}"; do
  if [ "$image" = haproxy ]; then
    oci_image haproxy "$(debian_rootfs haproxy haproxy)"
    continue
  fi
  [ $published = 1 ] || { sync_sources; published=1; }
  out=$CACHE/publish/$image
  rm -rf "$out"
  for project in $(projects_of "$image"); do
    step "$image: dotnet publish $project (linux-x64, self-contained)"
    dotnet publish "$CACHE/src/$project" -c Release -r linux-x64 --self-contained -nologo -v q -o "$out" \
      -p:UseAppHost=true -p:GenerateDocumentationFile=false >"$CACHE/publish-$image.log" 2>&1 \
      || { cat "$CACHE/publish-$image.log"; fail "dotnet publish $project failed"; }
  done
  oci_image "$image" "$base" "$(stage_layer "$image" "$out")"
done

echo "build.sh: OCI image layouts in $CACHE/images (compressed layers; the base layer is shared)"
for image in "${images[@]}"; do
  /usr/bin/python3 - "$CACHE/images/$image" "$image" <<'PY'
import json, os, sys
d, name = sys.argv[1], sys.argv[2]
blob = lambda digest: os.path.join(d, "blobs", "sha256", digest.split(":")[1])
index = json.load(open(os.path.join(d, "index.json")))
manifest = json.load(open(blob(index["manifests"][0]["digest"])))
sizes = [f"{l['size'] / 2**20:.1f} MiB" for l in manifest["layers"]]
print(f"  {name:8} {index['manifests'][0]['digest'][:19]}  layers: {' + '.join(sizes)}")
PY
done
