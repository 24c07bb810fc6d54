"""Side-by-side benchmark: OrleansMl, the seed's stack (FastAPI + uvicorn + pandas + scikit-learn) and a no-op ASP.NET
Core API, in one run on one machine. Started by bench/run.sh after a Release build; see bench/README.md.

Measures
  serving:  single-row predict at N connections (wrk, after a warm-up): req/s, p50, p99; 1,000 rows in one request;
  training: `auto` and each learner at its defaults against scikit-learn's RandomForest (100 trees, all cores) on the
            same train/test split of scikit-learn's public datasets and a 200k x 20 make_classification-shaped set;
  engine:   the repository's own benchmark program (direct grain calls, the engine alone).
and prints one report with the ratios the performance budgets are stated in.
"""
import argparse
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.metrics import accuracy_score, mean_squared_error, roc_auc_score
from sklearn.model_selection import train_test_split

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
RELEASE = "bin/Release/net10.0"
GATEWAY_DLL = os.path.join(ROOT, "Gateway", RELEASE, "OrleansMl.Gateway.dll")
NOOP_DLL = os.path.join(BENCH, "NoopApi", RELEASE, "OrleansMl.Bench.NoopApi.dll")
BENCHMARKS_DLL = os.path.join(ROOT, "tests", "Benchmarks", RELEASE, "OrleansMl.Benchmarks.dll")
PUBLIC = [("breast_cancer", "binary"), ("wine", "multiclass"), ("iris", "multiclass"), ("diabetes", "regression")]
LEARNERS = ["lightgbm", "fasttree", "fastforest", "linear"]
# Linear discriminant analysis fits labels of classes only, kernel ridge regression a regression target only.
CLASS_LEARNERS = ["lda"]
REGRESSION_LEARNERS = ["kernelridge"]


def learners_for(task):
    return LEARNERS + (REGRESSION_LEARNERS if task == "regression" else CLASS_LEARNERS)


class BenchError(Exception):
    pass


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 2 s measurements, 20k synthetic rows")
    parser.add_argument("--duration", type=float, help="seconds per wrk measurement (default 15; quick 2)")
    parser.add_argument("--warmup", type=float, help="seconds of wrk warm-up before each measurement (default 5; quick 1)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections for single-row predict (default 8)")
    parser.add_argument("--synthetic-rows", type=int, help="rows of the synthetic set (default 200000; quick 20000)")
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument("--skip-serving", action="store_true")
    parser.add_argument("--skip-engine", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (data, logs)")
    args = parser.parse_args()
    args.duration = args.duration or (2 if args.quick else 15)
    args.warmup = args.warmup if args.warmup is not None else (1 if args.quick else 5)
    args.synthetic_rows = args.synthetic_rows or (20_000 if args.quick else 200_000)

    work = tempfile.mkdtemp(prefix="orleansml-bench-")
    processes = []
    report = Report(args)
    failed = False
    try:
        splits = prepare_data(work, args.synthetic_rows)
        gateway = start_gateway(work, processes)
        if not args.skip_training:
            warm_up_training(gateway, work)
            for name, task in splits:
                report.training.append(compare_training(gateway, name, task, work, quick=args.quick))
        if not args.skip_serving:
            report.serving, report.batch = measure_serving(gateway, work, processes, args)
        stop_all(processes)
        if not args.skip_engine:
            report.engine = run_engine_benchmark(args)
    except BenchError as error:
        print(f"\nbenchmark failed: {error}", file=sys.stderr)
        failed = True
    finally:
        stop_all(processes)
        report.print()
        if args.keep or failed:
            print(f"\ndata and logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if failed or report.problems else 0)


# ---------------------------------------------------------------------------------------------------------- data ---

def prepare_data(work, synthetic_rows):
    """Train/test splits (80/20, seeded, stratified for classification) of every data set, as CSV files."""
    sets = [(name, task, pd.read_csv(os.path.join(ROOT, "tests", "data", name + ".csv"))) for name, task in PUBLIC]
    synthetic = os.path.join(work, "synthetic.csv")
    run([*dotnet(), BENCHMARKS_DLL, "--write-csv", synthetic, "--rows", str(synthetic_rows)], "write the synthetic set")
    sets.append((f"synthetic{synthetic_rows // 1000}k", "binary", pd.read_csv(synthetic)))
    splits = []
    for name, task, frame in sets:
        stratify = frame["target"] if task != "regression" else None
        train, test = train_test_split(frame, test_size=0.2, random_state=42, stratify=stratify)
        train.to_csv(os.path.join(work, f"{name}_train.csv"), index=False)
        test.to_csv(os.path.join(work, f"{name}_test.csv"), index=False)
        splits.append((name, task))
    return splits


# ------------------------------------------------------------------------------------------------------ training ---

def compare_training(gateway, name, task, work, quick):
    """auto and each learner in OrleansMl, and scikit-learn's forest, on the same split; metrics on the test rows."""
    train = pd.read_csv(os.path.join(work, f"{name}_train.csv"))
    test = pd.read_csv(os.path.join(work, f"{name}_test.csv"))
    http(gateway, "POST", f"/api/datasets/{name}", open(os.path.join(work, f"{name}_train.csv"), "rb").read(), "text/csv")
    results = []
    learners = ["auto"] + ([] if quick and len(train) > 10_000 else learners_for(task))
    for algorithm in learners:
        # auto on small data is timed three times (the same model each time: the search depends on the data and the
        # seed only) and its median reported, as one training's time varies with what ran just before it.
        runs = []
        for attempt in range(AUTO_REPEATS if algorithm == "auto" and len(train) < 10_000 else 1):
            model = f"{name}-{algorithm}" + (f"-{attempt + 1}" if attempt else "")
            started = time.perf_counter()
            # Every row of the training file trains the model, as for the forest; both are scored on the test file.
            queued = http(gateway, "POST", f"/api/models/{model}/train",
                          {"dataset": name, "label": "target", "algorithm": algorithm, "testFraction": 0})
            info = wait_for_version(gateway, model, queued["version"])
            timings = info["timings"]
            runs.append({"model": model, "info": info, "wall": time.perf_counter() - started,
                         "fit": timings["trainingMs"] / 1000, "total": (timings["totalMs"] - timings["queuedMs"]) / 1000})
        median = sorted(runs, key=lambda r: r["total"])[len(runs) // 2]
        predictions = predict_rows(gateway, runs[0]["model"], test.drop(columns=["target"]))
        results.append({
            "system": f"OrleansMl {algorithm}",
            "fit": median["fit"],
            "total": median["total"],
            "totals": [r["total"] for r in runs],
            "wall": median["wall"],
            "metrics": metrics(task, test["target"], predictions),
            "detail": runs[0]["info"].get("algorithm", ""),
            "search": runs[0]["info"].get("search"),
        })

    features, labels = train.drop(columns=["target"]), train["target"]
    forest = (RandomForestRegressor if task == "regression" else RandomForestClassifier)(n_estimators=100, n_jobs=-1, random_state=42)
    started = time.perf_counter()
    forest.fit(features, labels)
    fit = time.perf_counter() - started
    x = test.drop(columns=["target"])
    if task == "regression":
        predictions = [{"value": float(v)} for v in forest.predict(x)]
    else:
        classes = [str(c) for c in forest.classes_]
        predictions = [{"label": classes[int(p.argmax())], "probabilities": dict(zip(classes, map(float, p)))}
                       for p in forest.predict_proba(x)]
    results.append({"system": "scikit-learn RandomForest(100, all cores)", "fit": fit, "total": fit, "wall": fit,
                    "metrics": metrics(task, test["target"], predictions), "detail": ""})
    return {"name": name, "task": task, "rows": len(train), "test_rows": len(test), "results": results}


AUTO_REPEATS = 3


def warm_up_training(gateway, work):
    """
    One training of each learner for each task first (iris as it is, iris as setosa or not, iris's petal width), so no
    measured training pays for the process's first compilation of that task's code.
    """
    iris = pd.read_csv(os.path.join(work, "iris_train.csv"))
    binary = iris.assign(target=(iris["target"].astype(str) == str(iris["target"].iloc[0])).map({True: "yes", False: "no"}))
    numeric = [c for c in iris.columns if c != "target"]
    regression = iris.drop(columns=["target"]).rename(columns={numeric[-1]: "target"})
    for task, frame in [("multiclass", iris), ("binary", binary), ("regression", regression)]:
        http(gateway, "POST", f"/api/datasets/warmup-{task}", frame.to_csv(index=False).encode(), "text/csv")
        for algorithm in ["auto"] + learners_for(task):
            model = f"warmup-{task}-{algorithm}"
            queued = http(gateway, "POST", f"/api/models/{model}/train", {"dataset": f"warmup-{task}", "label": "target", "algorithm": algorithm})
            wait_for_version(gateway, model, queued["version"])


def metrics(task, truth, predictions):
    if task == "regression":
        values = [p["value"] for p in predictions]
        return {"rmse": math.sqrt(mean_squared_error(truth, values))}
    labels = [str(p["label"]).lower() for p in predictions]
    truth = [str(t).lower() for t in truth]
    result = {"accuracy": accuracy_score(truth, labels)}
    if task == "binary":
        positive = sorted(set(truth))[-1]
        result["auc"] = roc_auc_score([t == positive for t in truth],
                                      [probability(p, positive) for p in predictions])
    return result


def probability(prediction, positive):
    for key, value in prediction["probabilities"].items():
        if str(key).lower() == positive:
            return value
    raise BenchError(f"no probability for class {positive} in {prediction}")


def predict_rows(gateway, model, frame):
    predictions = []
    records = frame.to_dict(orient="records")
    for start in range(0, len(records), 1000):
        answer = http(gateway, "POST", f"/api/models/{model}/predict", {"rows": records[start:start + 1000]})
        predictions.extend(answer["predictions"])
    return predictions


def wait_for_version(gateway, model, version, timeout=900):
    deadline = time.time() + timeout
    while time.time() < deadline:
        info = http(gateway, "GET", f"/api/models/{model}/versions/{version}")
        if info["status"] in ("succeeded", "failed", "cancelled"):
            if info["status"] != "succeeded":
                raise BenchError(f"{model} v{version} {info['status']}: {info.get('error')}")
            return info
        time.sleep(0.05)
    raise BenchError(f"{model} v{version} did not finish in {timeout} s")


# ------------------------------------------------------------------------------------------------------- serving ---

def measure_serving(gateway, work, processes, args):
    name = "breast_cancer"
    test = pd.read_csv(os.path.join(work, f"{name}_test.csv")).drop(columns=["target"])
    if args.skip_training:
        http(gateway, "POST", f"/api/datasets/{name}", open(os.path.join(work, f"{name}_train.csv"), "rb").read(), "text/csv")
    queued = http(gateway, "POST", "/api/models/serve/train", {"dataset": name, "label": "target", "algorithm": "fastforest"})
    wait_for_version(gateway, "serve", queued["version"])

    seed = start_seed(work, processes)
    seed_pid = processes[-1].pid
    noop = start_noop(work, processes)
    noop_pid = processes[-1].pid
    gateway_pid = next(p.pid for p in processes if p.bench_name == "orleansml")
    records = test.to_dict(orient="records")
    batch_rows = [records[i % len(records)] for i in range(1000)]
    bodies = {
        "single": write_json(work, "single.json", {"rows": records[:1]}),
        "batch": write_json(work, "batch.json", {"rows": batch_rows}),
        "columns": write_json(work, "columns.json", {"inputs": [
            {"name": c, "shape": [len(batch_rows)], "datatype": "FP32", "data": [r[c] for r in batch_rows]}
            for c in test.columns]}),
        "mcp": write_json(work, "mcp.json", {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
            "name": "predict", "arguments": {"model": "serve", "rows": records[:1]}}}),
    }
    systems = [
        ("seed: FastAPI + uvicorn + pandas + scikit-learn RF", f"{seed}/api/models/serve/predict", seed_pid),
        ("no-op ASP.NET Core minimal API", f"{noop}/api/models/serve/predict", noop_pid),
        ("OrleansMl REST POST /api/models/{name}/predict", f"{gateway}/api/models/serve/predict", gateway_pid),
    ]
    serving, batch = [], []
    for system, url, pid in systems:
        check_post(url, bodies["single"])
        serving.append({"system": system, **wrk(url, bodies["single"], args.connections, args, pid=pid)})
    # MCP: a stateless tools/call of predict, the JSON-RPC request an assistant's client sends.
    mcp = f"{gateway}/mcp"
    mcp_headers = {"Accept": "application/json, text/event-stream"}
    check_post(mcp, bodies["mcp"], mcp_headers)
    serving.append({"system": "OrleansMl MCP tools/call predict", **wrk(mcp, bodies["mcp"], args.connections, args, mcp_headers, pid=gateway_pid)})
    for system, url, pid in systems:
        check_post(url, bodies["batch"])
        result = wrk(url, bodies["batch"], 1, args, pid=pid)
        batch.append({"system": system, **result, "rows_per_s": result["rps"] * 1000})
    oip = f"{gateway}/v2/models/serve/infer"
    check_post(oip, bodies["columns"])
    result = wrk(oip, bodies["columns"], 1, args, pid=gateway_pid)
    batch.append({"system": "OrleansMl Open Inference Protocol /v2/models/{name}/infer (columns)", **result,
                  "rows_per_s": result["rps"] * 1000})
    return serving, batch


def wrk(url, body, connections, args, headers=None, pid=None):
    """wrk against url; with pid, also the CPU time (user + system) that process spent per request while measured."""
    env = dict(os.environ, WRK_BODY=body, WRK_HEADERS="\n".join(f"{k}: {v}" for k, v in (headers or {}).items()))
    command = ["wrk", "-t", str(min(2, connections)), "-c", str(connections), "--latency", "-s", os.path.join(BENCH, "post.lua")]
    if args.warmup > 0:
        subprocess.run([*command, "-d", f"{args.warmup:g}s", url], env=env, capture_output=True, check=False)
    cpu_before = cpu_seconds(pid) if pid else None
    output = subprocess.run([*command, "-d", f"{args.duration:g}s", url], env=env, capture_output=True, text=True, check=False)
    cpu_spent = cpu_seconds(pid) - cpu_before if pid else None
    if output.returncode != 0:
        raise BenchError(f"wrk failed on {url}: {output.stdout.strip()} {output.stderr.strip()}")
    text = output.stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    socket_errors = re.search(r"Socket errors: (.*)", text)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    requests = int(re.search(r"(\d+) requests in", text).group(1))
    return {
        "rps": rps,
        "cpu_us": cpu_spent / requests * 1e6 if cpu_spent is not None and requests else float("nan"),
        "p50": latency(text, "50%"),
        "p99": latency(text, "99%"),
        "errors": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1).strip() if socket_errors else "",
    }


def cpu_seconds(pid):
    """User + system CPU time of a process (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def latency(text, percentile):
    match = re.search(rf"^\s*{re.escape(percentile)}\s+([\d.]+)(us|ms|s)\s*$", text, re.MULTILINE)
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def check_post(url, body_file, headers=None):
    request = urllib.request.Request(url, data=open(body_file, "rb").read(), method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            payload = response.read().decode()
            # An MCP answer may come as one server-sent event: its data line is the JSON-RPC message.
            data = next((line[5:] for line in payload.splitlines() if line.startswith("data:")), payload)
            answer = json.loads(data)
            if isinstance(answer, dict) and (answer.get("error") or (answer.get("result") or {}).get("isError")):
                raise BenchError(f"POST {url} answered an error: {data[:500]}")
    except urllib.error.HTTPError as error:
        raise BenchError(f"POST {url} answered {error.code}: {error.read().decode(errors='replace')[:500]}")


# ----------------------------------------------------------------------------------------------------- processes ---

# What the project's images and launch profiles set (see the README's Performance section), for both .NET servers alike:
# methods move to optimized code as soon as they are called often (200 calls), not only after 100 ms without new
# compilations.
DOTNET_RUNTIME = {"DOTNET_TC_CallCountingDelayMs": "0", "DOTNET_TC_CallCountThreshold": "200"}


def start_gateway(work, processes):
    port = free_port()
    env = dict(os.environ,
               OrleansMl__DataDirectory=os.path.join(work, "orleansml-data"),
               OrleansMl__SiloPort=str(free_port()),
               OrleansMl__GatewayPort=str(free_port()),
               # Compared with a forest on all cores, OrleansMl trains on all cores too (its default leaves one for serving).
               OrleansMl__TrainingThreads=str(os.cpu_count()),
               Logging__LogLevel__Default="Warning",
               **DOTNET_RUNTIME)
    url = f"http://127.0.0.1:{port}"
    start(processes, "orleansml", [*dotnet(), GATEWAY_DLL, "--urls", url], env, work)
    wait_until(lambda: http(url, "GET", "/health/ready", raw=True) == 200, "OrleansMl to be ready", processes[-1])
    return url


def start_seed(work, processes):
    port = free_port()
    env = dict(os.environ, SEED_TRAIN_CSV=os.path.join(work, "breast_cancer_train.csv"))
    url = f"http://127.0.0.1:{port}"
    start(processes, "seed", [sys.executable, "-m", "uvicorn", "seed_server:app", "--host", "127.0.0.1", "--port", str(port),
                              "--log-level", "warning"], env, work, cwd=BENCH)
    wait_until(lambda: port_open(port), "the FastAPI server to listen", processes[-1])
    return url


def start_noop(work, processes):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    start(processes, "noop", [*dotnet(), NOOP_DLL, "--urls", url], dict(os.environ, **DOTNET_RUNTIME), work)
    wait_until(lambda: port_open(port), "the no-op API to listen", processes[-1])
    return url


def start(processes, name, command, env, work, cwd=None):
    log = open(os.path.join(work, f"{name}.log"), "w")
    process = subprocess.Popen(command, env=env, cwd=cwd or ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    process.bench_name = name
    processes.append(process)


def stop_all(processes):
    while processes:
        process = processes.pop()
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def wait_until(condition, what, process, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise BenchError(f"{process.bench_name} exited ({process.returncode}) while waiting for {what}; see its log")
        try:
            if condition():
                return
        except (OSError, BenchError):
            pass
        time.sleep(0.2)
    raise BenchError(f"timed out waiting for {what}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port):
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def dotnet():
    return [shutil.which("dotnet") or "dotnet"]


def run(command, what):
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BenchError(f"could not {what}: {result.stdout[-2000:]}{result.stderr[-2000:]}")
    return result.stdout


def http(base, method, path, body=None, content_type="application/json", raw=False):
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            payload = response.read()
            return response.status if raw else json.loads(payload) if payload else None
    except urllib.error.HTTPError as error:
        if raw:
            return error.code
        raise BenchError(f"{method} {path} answered {error.code}: {error.read().decode(errors='replace')[:500]}")


def write_json(work, name, value):
    path = os.path.join(work, name)
    with open(path, "w") as file:
        json.dump(value, file)
    return path


# -------------------------------------------------------------------------------------------------------- engine ---

def run_engine_benchmark(args):
    rows = "20000" if args.quick else "200000"
    seconds = "1" if args.quick else "5"
    output = run([*dotnet(), BENCHMARKS_DLL, "--rows", rows, "--seconds", seconds], "run the engine benchmark")
    # Its measurements only; the silo's own log lines (shutdown warnings) are not part of the report.
    measurement = re.compile(r"^(OrleansMl benchmark|dataset:|engine:|upload|train v|data preparation|grain call|REST)")
    return [line for line in output.splitlines() if measurement.match(line)]


# -------------------------------------------------------------------------------------------------------- report ---

class Report:
    def __init__(self, args):
        self.args = args
        self.started = time.strftime("%Y-%m-%d %H:%M:%S")
        self.load_before = os.getloadavg()
        self.training, self.serving, self.batch, self.engine = [], [], [], []
        self.problems = []

    def print(self):
        cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), platform.processor())
        print()
        print("=" * 118)
        print(f"OrleansMl side-by-side benchmark, {self.started}, {os.cpu_count()} cores ({cpu}), {platform.platform()}")
        print(f"load average before {fmt_load(self.load_before)}, after {fmt_load(os.getloadavg())}"
              f"{'   QUICK SMOKE RUN: figures are not measurements' if self.args.quick else ''}")
        print("=" * 118)
        self.print_serving()
        self.print_training()
        if self.engine:
            print("\nEngine and grain calls (tests/Benchmarks)")
            for line in self.engine:
                print("  " + line)
        if self.problems:
            print("\nProblems:")
            for problem in self.problems:
                print("  - " + problem)

    def print_serving(self):
        if not self.serving:
            return
        print(f"\nSingle-row predict, breast cancer (30 numeric features), {self.args.connections} connections, "
              f"{self.args.duration:g} s after {self.args.warmup:g} s warm-up (wrk)")
        print(f"  {'system':<58} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'CPU us/req':>11} {'errors':>7}")
        for row in self.serving:
            print(f"  {row['system']:<58} {row['rps']:>10,.0f} {row['p50']:>8.3f} {row['p99']:>8.3f} {row['cpu_us']:>11.1f} {row['errors']:>7}")
            if row["errors"] or row["socket_errors"]:
                self.problems.append(f"{row['system']}: {row['errors']} non-2xx responses {row['socket_errors']}")
        seed, noop, orleans, mcp = self.serving
        print(f"  OrleansMl / no-op: {orleans['rps'] / noop['rps']:.2f}x throughput (budget >= 0.5), "
              f"p99 {orleans['p99'] / noop['p99']:.2f}x (budget <= 2, and under 5 ms); "
              f"OrleansMl / seed: {orleans['rps'] / seed['rps']:.0f}x throughput (budget >= 50)")
        print(f"  MCP / REST: {mcp['rps'] / orleans['rps']:.2f}x throughput, p50 {mcp['p50'] / orleans['p50']:.2f}x "
              f"(budget: within 2x of REST)")
        print(f"\n1,000 rows in one request, 1 connection")
        print(f"  {'system':<70} {'rows/s':>12} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/req':>11}")
        for row in self.batch:
            print(f"  {row['system']:<70} {row['rows_per_s']:>12,.0f} {row['p50']:>8.2f} {row['p99']:>8.2f} {row['cpu_us'] / 1000:>11.2f}")
            if row["errors"] or row["socket_errors"]:
                self.problems.append(f"{row['system']} (batch): {row['errors']} non-2xx responses {row['socket_errors']}")
        rest = self.batch[2]
        print(f"  OrleansMl REST: {rest['rows_per_s']:,.0f} rows/s (budget >= 200,000)")

    def print_training(self):
        if not self.training:
            return
        print("\nTraining on the same train/test split (80/20, seeded); metrics on the test rows; fit = search + final fit;"
              " auto on small data: the median of three trainings")
        for data in self.training:
            task = data["task"]
            keys = ["auc", "accuracy"] if task == "binary" else ["accuracy"] if task == "multiclass" else ["rmse"]
            print(f"\n  {data['name']} ({task}, {data['rows']:,} train rows, {data['test_rows']:,} test rows)")
            print(f"    {'system':<44} {'fit s':>7} {'total s':>8} " + " ".join(f"{k:>9}" for k in keys) + "  chosen")
            for row in data["results"]:
                print(f"    {row['system']:<44} {row['fit']:>7.2f} {row['total']:>8.2f} "
                      + " ".join(f"{row['metrics'][k]:>9.4f}" for k in keys) + f"  {row['detail']}")
            primary = keys[0]
            better = (lambda a, b: a <= b + 1e-12) if primary == "rmse" else (lambda a, b: a >= b - 1e-12)
            auto = data["results"][0]
            forest = data["results"][-1]
            singles = [r for r in data["results"][1:-1]]
            verdicts = []
            if singles:
                best = min(singles, key=lambda r: r["metrics"][primary]) if primary == "rmse" else max(singles, key=lambda r: r["metrics"][primary])
                verdicts.append(f"auto {primary} {auto['metrics'][primary]:.4f} vs best learner at defaults "
                                f"{best['metrics'][primary]:.4f} ({best['system'].split()[-1]}): "
                                f"{'ok' if better(auto['metrics'][primary], best['metrics'][primary]) else 'WORSE'}")
            if data["rows"] < 10_000:
                runs = ", ".join(f"{t:.2f}" for t in auto["totals"])
                verdicts.append(f"auto total {auto['total']:.2f} s, the median of {len(auto['totals'])} ({runs}) (budget < 0.5 s)")
            else:
                verdicts.append(f"auto fit / forest fit {auto['fit'] / forest['fit']:.3f} (budget <= 0.1), "
                                f"{primary} {auto['metrics'][primary]:.4f} vs forest {forest['metrics'][primary]:.4f}: "
                                f"{'ok' if better(auto['metrics'][primary], forest['metrics'][primary]) else 'WORSE'}")
            for verdict in verdicts:
                print("    -> " + verdict)
            if auto.get("search"):
                # What auto compared on the training rows, to set beside the test scores above.
                search = auto["search"]
                print(f"    auto chose by {search['method']}, scoring {search['objective']}:")
                for candidate in search["candidates"]:
                    score = "not scored" if candidate["score"] is None else f"{candidate['score']:.4f}"
                    print(f"      {score:>10}  {candidate['algorithm']}{'  (chosen)' if candidate['chosen'] else ''}")


def fmt_load(load):
    return " ".join(f"{value:.2f}" for value in load)


if __name__ == "__main__":
    main()
