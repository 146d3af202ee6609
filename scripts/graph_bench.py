#!/usr/bin/env python3
"""Timing of `ecsnet graph FILE --format svg|dot|mermaid` (issue 13, item 5) for labs of N tasks
(the scenario of scripts/bench.py: half awsvpc, half bridge, N/25 instances, four subnets).
Needs no root: it only lays out the picture. Not run by the tests.

    cargo build --release && python3 scripts/graph_bench.py            # N = 200, 400, 2000
    python3 scripts/graph_bench.py --sizes 2000 --formats svg --timeout 120
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="200,400,2000")
    ap.add_argument("--formats", default="svg,dot,mermaid")
    ap.add_argument("--timeout", type=float, default=300)
    a = ap.parse_args()
    print("| tasks | format | seconds | bytes |\n|---|---|---|---|")
    with tempfile.TemporaryDirectory() as d:
        for n in [int(x) for x in a.sizes.split(",")]:
            f = os.path.join(d, f"graph-{n}.yaml")
            with open(f, "w") as out:
                out.write(bench.scenario(n, f"graph-{n}")[0])
            for fmt in a.formats.split(","):
                t = time.monotonic()
                try:
                    p = subprocess.run([os.environ.get("ECSNET_BIN", bench.BIN), "graph", f, "--format", fmt], capture_output=True, timeout=a.timeout)
                    secs, size = f"{time.monotonic() - t:.2f}", len(p.stdout)
                    if p.returncode != 0:
                        secs = f"exit {p.returncode}: {p.stderr.decode()[:200]}"
                except subprocess.TimeoutExpired:
                    secs, size = f"> {a.timeout:.0f}", "-"
                print(f"| {n} | {fmt} | {secs} | {size} |", flush=True)


if __name__ == "__main__":
    main()
