#!/usr/bin/env python3
"""Blocked probes (issue 18, item 3): how long a reachability matrix of blocked pairs takes
against one of connected pairs of the same size, on the benchmark's lab (scripts/bench.py's
scenario: N tasks, half awsvpc, half bridge, security groups that drop about a third of the
pairs silently).

    sudo python3 scripts/bench_blocked.py                     # N = 100, target/release/ecsnet
    sudo python3 scripts/bench_blocked.py --sizes 40,100 --runs 5
    sudo python3 scripts/bench_blocked.py --bin target/debug/ecsnet --also OLD_BINARY

For each N, three scenarios of the same lab differ only in their `expect:` list: `connected`
(K pairs that connect), `blocked` (K pairs dropped by a security group), `mixed` (both lists).
Each is brought up once; `ecsnet check` is timed --runs times (median), then it goes down.
`--also BIN` measures a second binary the same way in the same run (e.g. one built before the
drop log, where every blocked probe waits out its 300 ms). Needs root; not run by the tests.
"""
import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (the scenario generator and helpers)


def variants(n, lab):
    """(name, scenario text, probes) for the connected, blocked and mixed matrices."""
    text, _, _ = bench.scenario(n, lab)
    head, _, tail = text.partition("expect:\n")
    lines = [line for line in tail.splitlines() if line.strip()]
    conn = [line for line in lines if "reachable: true" in line]
    blocked = [line for line in lines if "reachable: false" in line]
    k = min(len(conn), len(blocked))
    out = []
    for name, sel in (("connected", conn[:k]), ("blocked", blocked[:k]), ("mixed", conn[:k] + blocked[:k])):
        out.append((name, head + "expect:\n" + "\n".join(sel) + "\n", len(sel)))
    return out


def measure(binary, path, lab, runs):
    up = subprocess.run([binary, "up", path], capture_output=True, text=True)
    if up.returncode != 0:
        raise SystemExit(f"{binary} up {path} failed:\n{up.stderr[-3000:]}")
    try:
        times, bad = [], 0
        for _ in range(runs):
            t0 = time.monotonic()
            c = subprocess.run([binary, "check", lab], capture_output=True, text=True)
            times.append(time.monotonic() - t0)
            bad += c.returncode != 0
            if c.returncode != 0:
                fails = [x for x in c.stdout.splitlines() if x.lstrip().startswith("FAIL")]
                print(f"  check of {lab} failed: {len(fails)} wrong\n" + "\n".join(fails[:5]), file=sys.stderr)
        return bench.median(times), bad
    finally:
        subprocess.run([binary, "down", lab], capture_output=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100", help="comma-separated task counts (default 100)")
    ap.add_argument("--runs", type=int, default=3, help="checks per matrix (median; default 3)")
    ap.add_argument("--bin", default=bench.BIN, help="the ecsnet binary (default target/release/ecsnet)")
    ap.add_argument("--also", help="a second ecsnet binary measured the same way, side by side")
    a = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("needs root (sudo)")
    bins = [("this", a.bin)] + ([("also", a.also)] if a.also else [])
    os.makedirs(bench.OUT, exist_ok=True)
    rows = []
    for n in (int(x) for x in a.sizes.split(",")):
        lab = f"blk-{n}"
        for name, text, probes in variants(n, lab):
            path = os.path.join(bench.OUT, f"{lab}-{name}.yaml")
            with open(path, "w") as f:
                f.write(text)
            for label, binary in bins:
                med, bad = measure(binary, path, lab, a.runs)
                rows.append((n, name, probes, label, med, bad))
                print(f"N={n} {name:9} {probes:5} probes  {label}: check {med * 1e3:7.0f} ms"
                      f"{'' if not bad else f'  ({bad} runs FAILED)'}", file=sys.stderr)
    print("| N | matrix | probes | " + " | ".join(f"check ({label}: {os.path.relpath(b)})" for label, b in bins) + " |")
    print("|---|---|---|" + "---|" * len(bins))
    for n, name, probes in sorted({(r[0], r[1], r[2]) for r in rows}, key=lambda x: (x[0], ["connected", "blocked", "mixed"].index(x[1]))):
        cells = [f"{r[4] * 1e3:.0f} ms{' (FAILED)' if r[5] else ''}" for r in rows if r[:3] == (n, name, probes)]
        print(f"| {n} | {name} | {probes} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
