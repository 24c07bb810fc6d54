#!/usr/bin/env bash
# Side-by-side benchmark of OrleansMl, the FastAPI + scikit-learn stack it replaces, and a no-op ASP.NET Core API.
#   bench/run.sh            the full run (about 10 minutes on 2 cores): 15 s per measurement after 5 s of warm-up
#   bench/run.sh --quick    a smoke run of the harness (about 2 minutes); its figures are not measurements
#   bench/run.sh --help     every option
# Needs the .NET SDK and Debian's python3-sklearn python3-pandas python3-fastapi python3-uvicorn wrk libomp5
# (apt-get install -y python3-sklearn python3-pandas python3-fastapi python3-uvicorn wrk libomp5; OrleansMl runs LightGBM
# on LLVM's OpenMP runtime when it is installed, as its images do).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian's Python, which has the packages above (another python3 may come first on PATH).
PYTHON=/usr/bin/python3
missing=()
command -v wrk >/dev/null || missing+=(wrk)
for module in sklearn pandas fastapi uvicorn; do
  "$PYTHON" -c "import $module" 2>/dev/null || missing+=("python3-$module")
done
ls /usr/lib/*/libomp.so.5 >/dev/null 2>&1 || missing+=(libomp5)
if ((${#missing[@]})); then
  echo "missing: ${missing[*]} (apt-get install -y python3-sklearn python3-pandas python3-fastapi python3-uvicorn wrk libomp5)" >&2
  exit 2
fi

if [[ " $* " != *" --help "* && " $* " != *" -h "* ]]; then
  for project in Gateway tests/Benchmarks bench/NoopApi; do
    dotnet build "$project" -c Release -nologo -v quiet
  done
fi
exec "$PYTHON" bench/bench.py "$@"
