#!/usr/bin/env bash
# The test command: unit tests and integration tests that start the real router, sm and c2s processes.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build Distributed.sln -c Release -nologo -v q
dotnet test Distributed.sln -c Release --no-build -nologo --logger "console;verbosity=normal"
