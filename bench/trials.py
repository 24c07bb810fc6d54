#!/usr/bin/env python3
"""Trials across silos: the same `auto` trainings on one silo and on two, each silo pinned to one core.

For each cluster size (1, then 2 silos) it starts a local PostgreSQL-backed cluster with scripts/cluster.sh
(PIN_SILOS=1: silo i runs on core i-1 only), uploads one synthetic binary set small enough for `auto` to choose by
cross-validation, trains it untimed (--warmup times: a fresh process runs its first trainings through unoptimized
code), then --repeats times timed, and prints per run the search time, the whole fit, how many fits other silos ran,
the chosen learner and its test AUC; then the ratios of the medians, two silos against one.

    bench/trials.sh [--rows 9000] [--features 20] [--repeats 3] [--warmup 2] [--keep]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASE_PORT = 18600


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=9000, help="rows of the synthetic set (default 9000: 7,200 train)")
    parser.add_argument("--features", type=int, default=20, help="numeric features (default 20)")
    parser.add_argument("--repeats", type=int, default=3, help="timed trainings per cluster size (default 3)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed trainings first (default 2)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs)")
    args = parser.parse_args()
    if os.cpu_count() < 2:
        sys.exit("trials: needs at least 2 cores (one per silo)")

    work = tempfile.mkdtemp(prefix="orleansml-trials-")
    os.chmod(work, 0o755)  # PostgreSQL runs as its own user under root and keeps its data in here
    csv = os.path.join(work, "data.csv")
    write_dataset(csv, args.rows, args.features)
    results = {}
    try:
        for silos in (1, 2):
            results[silos] = run_cluster(work, silos, csv, args)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"work folder kept: {work}")

    print()
    print(f"auto on {args.rows} x {args.features} ({int(args.rows * 0.8)} training rows, cross-validated), "
          f"each silo pinned to one core, {args.repeats} timed runs after {args.warmup} untimed")
    print(f"{'silos':>5} {'search ms':>10} {'fit ms':>9} {'total ms':>9} {'fits elsewhere':>15}  {'auc':>7}  learner")
    for silos, runs in results.items():
        for run in runs:
            print(f"{silos:>5} {run['searchMs']:>10.0f} {run['trainingMs']:>9.0f} {run['totalMs']:>9.0f} "
                  f"{run['remoteTrials']:>15}  {run['auc']:>7.4f}  {run['algorithm']}")
    one, two = results[1], results[2]
    for key, what in (("searchMs", "search"), ("trainingMs", "whole fit (search + refit)")):
        a, b = statistics.median(r[key] for r in one), statistics.median(r[key] for r in two)
        print(f"{what}: median {a:.0f} ms on one silo, {b:.0f} ms on two: {b / a:.2f}x")
    same = {(r["algorithm"], round(r["auc"], 6)) for r in one + two}
    print("same model on one and two silos: " + ("yes" if len(same) == 1 else f"no ({sorted(same)})"))


def write_dataset(path, rows, features):
    # A make_classification-shaped set without scikit-learn: half the features informative, two clusters per class.
    import random
    rng = random.Random(7)
    informative = max(2, features // 2)
    centers = {c: [[rng.choice((-1.0, 1.0)) * 1.5 for _ in range(informative)] for _ in range(2)] for c in (0, 1)}
    mixing = [[rng.gauss(0, 1) for _ in range(informative)] for _ in range(features - informative)]
    with open(path, "w") as out:
        out.write(",".join(f"f{i}" for i in range(features)) + ",label\n")
        for _ in range(rows):
            label = rng.randrange(2)
            center = rng.choice(centers[label])
            x = [c + rng.gauss(0, 1) for c in center]
            x += [sum(w * v for w, v in zip(row, x)) / informative + rng.gauss(0, 0.5) for row in mixing]
            if rng.random() < 0.01:
                label = 1 - label
            out.write(",".join(f"{v:.5f}" for v in x) + f",{label}\n")


def run_cluster(work, silos, csv, args):
    env = dict(os.environ, SILOS=str(silos), GATEWAYS="1", BASE_PORT=str(BASE_PORT),
               CLUSTER_DIR=os.path.join(work, f"cluster-{silos}"), PIN_SILOS="1")
    cluster = os.path.join(ROOT, "scripts", "cluster.sh")
    subprocess.run([cluster, "up"], env=env, check=True, stdout=subprocess.DEVNULL)
    try:
        gateway = f"http://127.0.0.1:{BASE_PORT}"
        with open(csv, "rb") as f:
            http(gateway, "POST", "/api/datasets/trials", f.read(), "text/csv")
        runs = []
        for i in range(args.warmup + args.repeats):
            model = f"trials-{i}"
            http(gateway, "POST", f"/api/models/{model}/train",
                 json.dumps({"dataset": "trials", "label": "label", "algorithm": "auto"}).encode())
            version = wait_for_version(gateway, model)
            if i < args.warmup:
                continue
            timings = version["timings"]
            runs.append({
                "searchMs": timings["searchMs"], "trainingMs": timings["trainingMs"], "totalMs": timings["totalMs"],
                "remoteTrials": timings["remoteTrials"], "algorithm": version["algorithm"],
                "auc": version["metrics"]["auc"],
            })
        return runs
    finally:
        subprocess.run([cluster, "down", "--wipe"], env=env, check=False, stdout=subprocess.DEVNULL)


def wait_for_version(gateway, model, timeout=600):
    deadline = time.time() + timeout
    while time.time() < deadline:
        version = json.loads(http(gateway, "GET", f"/api/models/{model}/versions/1"))
        if version["status"] == "succeeded":
            return version
        if version["status"] in ("failed", "cancelled"):
            sys.exit(f"trials: training {model} {version['status']}: {version.get('error')}")
        time.sleep(0.05)
    sys.exit(f"trials: training {model} did not finish within {timeout} s")


def http(base, method, path, body=None, content_type="application/json"):
    request = urllib.request.Request(base + path, data=body, method=method, headers={"Content-Type": content_type})
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.read()


if __name__ == "__main__":
    main()
