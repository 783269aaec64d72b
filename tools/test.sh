#!/usr/bin/env bash
# The test command: unit tests and integration tests that start the real router, sm and c2s processes.
# First installs what the integration tests run besides our own processes, when it is missing
# (Debian/Ubuntu packages, through apt-get; as root, or with sudo):
#   python3-slixmpp  the interop tests' XMPP client (run with /usr/bin/python3)
#   python3-yaml     the compose file test reads `docker-compose config` with it
#   python3-aiohttp  slixmpp's xep_0363 plugin PUTs with it (the upload interop test)
#   haproxy          the load balancer of the loopback deployment tests (deploy/haproxy.cfg)
#   docker-compose   validates docker-compose.yml (no container engine is needed for that)
#   openssl          the TLS interop tests' `openssl s_client`
#   procps           `kill`, with which the tests send SIGTERM and SIGINT to the processes they started
#   nodejs, npm      the Kubernetes manifest test's JSON schema validator (tests/kubernetes: npm ci
#                    installs kubernetes-models from the npm registry when node_modules is missing)
#   mmdebstrap, rsync, umoci, runc, curl, go-sendxmpp
#                    the container test (tools/images/test-runc.sh, run last, as root): builds the
#                    images, runs the compose topology with runc and has slixmpp and go-sendxmpp chat
# XMPP_TEST_NO_INSTALL=1 checks only: anything missing is an error instead of installed.
# Arguments go to `dotnet test` (e.g. tools/test.sh --filter FullyQualifiedName~ProxyProtocol).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

fail() { echo "tools/test.sh: $*" >&2; exit 1; }

command -v dotnet >/dev/null || fail "the .NET 10 SDK is not installed (https://dotnet.microsoft.com/download/dotnet/10.0)"
dotnet --list-sdks | grep -q '^10\.' || fail "no .NET 10 SDK among: $(dotnet --list-sdks | tr '\n' ' ')"

# Prints the packages whose program or module is missing.
missing_packages() {
  [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import slixmpp' 2>/dev/null || echo python3-slixmpp
  [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import yaml' 2>/dev/null || echo python3-yaml
  [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import aiohttp' 2>/dev/null || echo python3-aiohttp
  { command -v haproxy || [ -x /usr/sbin/haproxy ]; } >/dev/null || echo haproxy
  command -v docker-compose >/dev/null || echo docker-compose
  command -v openssl >/dev/null || echo openssl
  type -P kill >/dev/null || echo procps   # the program, not the shell builtin
  command -v node >/dev/null || echo nodejs
  command -v npm >/dev/null || echo npm
  for tool in mmdebstrap rsync umoci runc curl go-sendxmpp; do
    { command -v $tool || [ -x /usr/sbin/$tool ]; } >/dev/null || echo $tool
  done
}

as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
mapfile -t missing < <(missing_packages)
if [ ${#missing[@]} -gt 0 ]; then
  [ "${XMPP_TEST_NO_INSTALL:-}" = 1 ] && fail "missing packages: ${missing[*]} (XMPP_TEST_NO_INSTALL=1: not installing them)"
  command -v apt-get >/dev/null || fail "missing packages: ${missing[*]}; no apt-get here, install them (or their equivalents) yourself"
  [ ${#as_root[@]} -eq 0 ] || command -v sudo >/dev/null \
    || fail "missing packages: ${missing[*]}; installing them needs root and there is no sudo: apt-get install ${missing[*]}"
  echo "tools/test.sh: installing ${missing[*]} (needed by the integration tests)"
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
    || fail "apt-get update failed; install ${missing[*]} yourself"
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
    || fail "apt-get install ${missing[*]} failed"
  mapfile -t still < <(missing_packages)
  [ ${#still[@]} -eq 0 ] || fail "still missing after apt-get install: ${still[*]}"
fi

[ -d tests/kubernetes/node_modules/kubernetes-models ] || npm ci --prefix tests/kubernetes --no-audit --no-fund
dotnet build Distributed.sln -c Release -nologo -v q
dotnet test Distributed.sln -c Release --no-build -nologo --logger "console;verbosity=normal" "$@"
# The container test (not with a --filter: that asks for particular tests). Needs root for runc and
# network namespaces; skipped, with the reason printed, only where the kernel forbids containers.
if [ $# -eq 0 ]; then
  "${as_root[@]}" bash tools/images/test-runc.sh
fi
