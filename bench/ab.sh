#!/usr/bin/env bash
# A/B of gateway builds on the serving paths (CPU time per request beside throughput); see bench/ab.py.
#   bench/ab.sh [--rounds 3] [--duration 10] [--canary] BUILD_A.dll [BUILD_B.dll ...]
# Needs wrk and Debian's python3-pandas (apt-get install -y wrk python3-pandas python3-sklearn).
set -euo pipefail
cd "$(dirname "$0")/.."
exec /usr/bin/python3 bench/ab.py "$@"
