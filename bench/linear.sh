#!/usr/bin/env bash
# OrleansMl's linear regression beside scikit-learn's Ridge and ElasticNet at the same penalties (see bench/linear.py).
# Needs the .NET SDK and Debian's python3-sklearn and python3-pandas.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build tests/Benchmarks -c Release -nologo -v quiet
exec /usr/bin/python3 bench/linear.py "$@"
