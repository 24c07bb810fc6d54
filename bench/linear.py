#!/usr/bin/env python3
"""OrleansMl's linear regression beside scikit-learn's, at the same penalties, on the same rows.

OrleansMl's `linear` on a regression minimizes ½ Σ (y − ŷ)² + (l2 / 2) |w|² + l1 |w|₁ over standardized inputs with an
unpenalized intercept: scikit-learn's `Ridge(alpha=l2)` when l1 is 0, and `ElasticNet(alpha=(l1 + l2) / n,
l1_ratio=l1 / (l1 + l2))` otherwise, both after a `StandardScaler`. This writes two train/test splits (diabetes, 80/20
seed 42 as bench.py makes it; and 5,000 rows of 50 correlated numbers on different scales and offsets, half of them
carrying signal), fits both systems at each penalty and prints the test RMSE side by side. At the optimum they agree
to the last digits printed.

    bash bench/linear.sh [--keep]

Needs Debian's python3-sklearn and python3-pandas and a Release build of tests/Benchmarks; under a minute.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import pandas as pd
from sklearn.linear_model import ElasticNet, Ridge
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCHMARKS_DLL = os.path.join(ROOT, "tests", "Benchmarks", "bin", "Release", "net10.0", "OrleansMl.Benchmarks.dll")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", action="store_true", help="keep the folder with the splits")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="orleansml-linear-")
    try:
        write_splits(work)
        ours = run_orleansml(work)
        print(f"{'set':<9} {'l1':>5} {'l2':>6}  {'OrleansMl rmse':>14} {'fit ms':>7}  {'scikit-learn rmse':>17}  difference")
        for (name, l1, l2), (rmse, ms) in ours.items():
            theirs = scikit_learn(work, name, l1, l2)
            print(f"{name:<9} {l1:>5g} {l2:>6g}  {rmse:>14.4f} {ms:>7.1f}  {theirs:>17.4f}  {rmse - theirs:+.4f}")
    finally:
        if args.keep:
            print(f"splits kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def write_splits(work):
    diabetes = pd.read_csv(os.path.join(ROOT, "tests", "data", "diabetes.csv"))
    save(work, "diabetes", *train_test_split(diabetes, test_size=0.2, random_state=42))

    rng = np.random.default_rng(3)
    rows, width = 5000, 50
    mixing = rng.normal(size=(width, width))
    covariance = mixing @ mixing.T / width + np.eye(width) * 0.1
    x = rng.multivariate_normal(np.zeros(width), covariance, size=rows) * rng.uniform(0.5, 20, size=width)
    x += rng.uniform(-50, 50, size=width)
    beta = rng.normal(size=width) * (rng.random(width) < 0.5)
    frame = pd.DataFrame(x, columns=[f"f{i}" for i in range(width)])
    frame["target"] = x @ beta / np.sqrt(width) + rng.normal(size=rows) * 5 + 100
    save(work, "wide", *train_test_split(frame, test_size=0.2, random_state=42))


def save(work, name, train, test):
    train.to_csv(os.path.join(work, f"{name}_train.csv"), index=False)
    test.to_csv(os.path.join(work, f"{name}_test.csv"), index=False)


def run_orleansml(work):
    if not os.path.exists(BENCHMARKS_DLL):
        sys.exit(f"linear: build tests/Benchmarks in Release first ({BENCHMARKS_DLL} is missing)")
    output = subprocess.run([shutil.which("dotnet") or "dotnet", BENCHMARKS_DLL, "--linear", work, "--datasets", "diabetes,wide"],
                            capture_output=True, text=True, check=True).stdout
    results = {}
    for line in output.splitlines():
        parts = line.split(" ")
        if parts[0] == "linear" and len(parts) >= 6:
            results[(parts[1], float(parts[2]), float(parts[3]))] = (float(parts[4]), float(parts[5]))
    return results


def scikit_learn(work, name, l1, l2):
    train = pd.read_csv(os.path.join(work, f"{name}_train.csv"))
    test = pd.read_csv(os.path.join(work, f"{name}_test.csv"))
    x, y = train.drop(columns="target").values, train["target"].values
    scaler = StandardScaler().fit(x)
    if l1 == 0:
        model = Ridge(alpha=l2)
    else:
        model = ElasticNet(alpha=(l1 + l2) / len(y), l1_ratio=l1 / (l1 + l2), max_iter=100_000, tol=1e-10)
    model.fit(scaler.transform(x), y)
    predicted = model.predict(scaler.transform(test.drop(columns="target").values))
    return float(np.sqrt(np.mean((predicted - test["target"].values) ** 2)))


if __name__ == "__main__":
    main()
