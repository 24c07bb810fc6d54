"""A/B of gateway builds on the serving paths, alternating in one run: CPU time per request beside throughput.

    bench/ab.sh [--rounds 3] [--duration 10] [--canary] BUILD_A.dll [BUILD_B.dll ...]

Each build gets its own data directory with the same model (breast cancer, FastForest, promoted to production); then,
round after round, each build is started alone and measured on: single-row REST predict (8 connections), 1,000 rows in
one REST request (1 connection), single-row MCP `predict` (8 connections), and the Open Inference Protocol's columnar
`infer` of the same 1,000 rows. Reported per build: requests/s, p50, p99 and the gateway process's CPU time per request
(user + system from /proc, over the measurement). CPU per request moves far less than throughput when other processes
share the cores, so it is the figure to compare builds by on a busy machine; final throughput and latency belong to a
quiet one. With --canary, a second version is trained and a canary rollout of it at 10% runs during the measurement
(builds that have no rollouts fail that step).
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import shutil

import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (the side-by-side benchmark's helpers)

CASES = [
    # name, path, body, connections, rows per request, extra headers
    ("rest-1", "/api/models/serve/predict", "single", 8, 1),
    ("rest-1000", "/api/models/serve/predict", "batch", 1, 1000),
    ("mcp-1", "/mcp", "mcp", 8, 1),
    ("oip-1000", "/v2/models/serve/infer", "columns", 1, 1000),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("builds", nargs="+", help="paths of OrleansMl.Gateway.dll to compare")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--cases", default=",".join(c[0] for c in CASES), help="which of: " + ", ".join(c[0] for c in CASES))
    parser.add_argument("--canary", action="store_true", help="measure while a 10%% canary rollout runs")
    parser.add_argument("--spin", action="store_true",
                        help="let the thread pool spin-wait for work (the default); without it spinning is off, so CPU "
                             "time measures work rather than idle spinning, which grows when other processes share the cores")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    wanted = set(args.cases.split(","))
    cases = [c for c in CASES if c[0] in wanted]

    work = tempfile.mkdtemp(prefix="orleansml-ab-")
    processes = []
    results = {}  # (build, case) -> [(rps, p50, p99, cpu_us)]
    try:
        data = pd.read_csv(os.path.join(bench.ROOT, "tests", "data", "breast_cancer.csv"))
        train_csv = os.path.join(work, "train.csv")
        data.to_csv(train_csv, index=False)
        records = data.drop(columns=["target"]).to_dict(orient="records")
        batch_rows = [records[i % len(records)] for i in range(1000)]
        bodies = {
            "single": bench.write_json(work, "single.json", {"rows": records[:1]}),
            "batch": bench.write_json(work, "batch.json", {"rows": batch_rows}),
            "columns": bench.write_json(work, "columns.json", {"inputs": [
                {"name": c, "shape": [len(batch_rows)], "datatype": "FP32", "data": [r[c] for r in batch_rows]}
                for c in data.columns if c != "target"]}),
            "mcp": bench.write_json(work, "mcp.json", {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
                "name": "predict", "arguments": {"model": "serve", "rows": records[:1]}}}),
        }

        for index, build in enumerate(args.builds):
            directory = os.path.join(work, f"data-{index}")
            url = start(build, directory, work, processes)
            bench.http(url, "POST", "/api/datasets/bc", open(train_csv, "rb").read(), "text/csv")
            queued = bench.http(url, "POST", "/api/models/serve/train", {"dataset": "bc", "label": "target", "algorithm": "fastforest", "seed": 1})
            bench.wait_for_version(url, "serve", queued["version"])
            bench.http(url, "PUT", "/api/models/serve/aliases/production", {"version": queued["version"]})
            if args.canary:
                queued = bench.http(url, "POST", "/api/models/serve/train", {"dataset": "bc", "label": "target", "algorithm": "fastforest", "seed": 2})
                bench.wait_for_version(url, "serve", queued["version"])
            bench.stop_all(processes)

        for round_ in range(1, args.rounds + 1):
            for index, build in enumerate(args.builds):
                url = start(build, os.path.join(work, f"data-{index}"), work, processes, args.spin)
                if args.canary:
                    bench.http(url, "PUT", "/api/models/serve/rollout", {
                        "candidate": 2, "mode": "canary", "weight": 10, "steps": [10],
                        "guard": {"metric": "errorRate", "max": 0.5, "minSamples": 1000000}})
                pid = processes[-1].pid
                for name, path, body, connections, rows in cases:
                    headers = {"Accept": "application/json, text/event-stream"} if name.startswith("mcp") else {}
                    bench.check_post(url + path, bodies[body], headers)
                    bench.wrk(url + path, bodies[body], connections, argparse.Namespace(duration=args.warmup, warmup=0), headers)
                    result = bench.wrk(url + path, bodies[body], connections, argparse.Namespace(duration=args.duration, warmup=0), headers, pid=pid)
                    cpu = result["cpu_us"]
                    if result["errors"] or result["socket_errors"]:
                        print(f"  {name}: {result['errors']} non-2xx, {result['socket_errors']}", file=sys.stderr)
                    results.setdefault((index, name), []).append((result["rps"], result["p50"], result["p99"], cpu))
                    print(f"round {round_} build {index} {name:<10} {result['rps']:>10,.0f} req/s  p50 {result['p50']:7.3f} ms  "
                          f"p99 {result['p99']:7.3f} ms  {cpu:8.1f} us CPU/request"
                          + (f"  ({result['rps'] * rows:,.0f} rows/s)" if rows > 1 else ""), flush=True)
                bench.stop_all(processes)
    except bench.BenchError as error:
        print(f"failed: {error}", file=sys.stderr)
        sys.exit(1)
    finally:
        bench.stop_all(processes)
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    print(f"\nmedians over {args.rounds} rounds, load average now {bench.fmt_load(os.getloadavg())}")
    for index, build in enumerate(args.builds):
        print(f"build {index}: {build}")
    print(f"  {'case':<10} {'build':>5} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'CPU us/req':>11} {'vs build 0':>11}")
    for name, *_ in cases:
        base = None
        for index, _ in enumerate(args.builds):
            runs = results.get((index, name), [])
            if not runs:
                continue
            rps, p50, p99, cpu = (statistics.median(r[i] for r in runs) for i in range(4))
            base = cpu if index == 0 else base
            change = f"{(cpu - base) / base * 100:+.1f}%" if index and base else ""
            print(f"  {name:<10} {index:>5} {rps:>10,.0f} {p50:>8.3f} {p99:>8.3f} {cpu:>11.1f} {change:>11}")


def start(build, directory, work, processes, spin=False):
    port = bench.free_port()
    env = dict(os.environ,
               OrleansMl__DataDirectory=directory,
               OrleansMl__SiloPort=str(bench.free_port()),
               OrleansMl__GatewayPort=str(bench.free_port()),
               Logging__LogLevel__Default="Warning")
    if not spin:
        env["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = "0"
    url = f"http://127.0.0.1:{port}"
    bench.start(processes, "gateway", [*bench.dotnet(), build, "--urls", url], env, work)
    bench.wait_until(lambda: bench.http(url, "GET", "/health/ready", raw=True) == 200, "the gateway to be ready", processes[-1])
    return url


if __name__ == "__main__":
    main()
