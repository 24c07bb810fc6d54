#!/usr/bin/env bash
# Trials across silos: the same auto trainings on one and on two silos pinned to one core each (see bench/trials.py).
# Needs the .NET SDK, PostgreSQL's server binaries (apt-get install -y postgresql) and taskset; nothing else may run.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build OrleansMl.sln -c Release -nologo -v quiet
exec python3 bench/trials.py "$@"
