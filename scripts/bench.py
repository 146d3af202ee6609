#!/usr/bin/env python3
"""ecsnet benchmark (issue 6): up, down, kernel-side teardown, a task-to-task reachability
matrix and memory per task, for labs of N tasks (half awsvpc, half bridge) over
M = max(1, N/25) instances, compared with the same topology built the fastest shell way
(scripts/baseline.sh: `ip -batch`, `ip -n NS -batch`, `nft -f`).

    sudo scripts/bench.sh                      # N = 10, 100, 1000 (builds the release binary)
    sudo scripts/bench.sh --sizes 10,100       # a subset
    sudo python3 scripts/bench.py --sizes 100  # without rebuilding

Needs root. Touches only namespaces it creates: the labs `bench-N` (namespaces
`ecsnet.bench-N.*`), the baseline's `ecsbl.N.*`, and one canary pair `ecsbench.canary*`.
Prints a Markdown table and writes it to bench/out/results.md (the scenarios go to bench/out
too). Not run by the tests.

Measures (each the median of --runs runs, default 3):
  up          wall time of `ecsnet -v up FILE` (the -v only adds the seven phase lines on stderr)
  down        wall time of `ecsnet down LAB`
  kernel freed  from the end of `down` until the kernel has run the exit of every namespace of
              the lab. Namespaces are destroyed asynchronously by one ordered kernel workqueue
              (`netns`, function cleanup_net) once their last reference is gone; `down` returns
              after unmounting them and after the lab's processes have exited. Right after `down`
              the benchmark deletes a canary namespace whose veth peer lives in a second canary
              namespace: the canary is queued behind every lab namespace, so the moment the peer
              link disappears (polled every ms with `ip -n HOLD link show`), the kernel has torn
              down every lab namespace (devices unregistered). It includes the canary's own
              teardown, measured alone first and printed as the floor. (`lsns` only sees namespaces still held by a
              process or mount, and /proc/slabinfo's net_namespace counter is approximate under
              SLUB, so neither says when the kernel is done.)
  matrix      wall time of `ecsnet check LAB`; the scenario's `expect:` list is every task to
              every other task's port 80 (N*(N-1) probes) for N <= 100, and for larger N each
              task to 10 others spread over the lab (a sample). Exit code 0 is required.
  neighbours  the kernel's ARP table while the matrix runs: /proc/net/stat/arp_cache is one table
              for every namespace, capped by the root namespace's gc_thresh3 (permanent entries
              are exempt); its peak `entries` (every namespace's, permanent ones included) and how
              many `table_fulls` the matrix caused; after the matrix, the lab's own entries by
              `ip -n NS neigh` (learned, i.e. not PERMANENT, and permanent).
  unique mem  Private_Clean + Private_Dirty (/proc/PID/smaps_rollup) of every process whose
              environment carries ECSNET_LAB=bench-N, divided by N.
  MemAvailable delta  MemAvailable (/proc/meminfo) before up minus after up.
"""
import argparse
import contextlib
import fcntl
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "ecsnet")
BASELINE = os.path.join(ROOT, "scripts", "baseline.sh")
OUT = os.path.join(ROOT, "bench", "out")
LOCK = "/run/lock/ecsnet-bench.lock"
CANARY, CANARY_HOLD = "ecsbench.canary", "ecsbench.canary-hold"
TASKS_PER_INSTANCE = 25
SAMPLE = 10  # destinations per source when N > 100
MAX_EXPECT = 20000  # ecsnet's limit of expectations per scenario: fewer destinations per source above N = 2000
PHASE_RE = re.compile(r"^\s+([a-z][\w-]*)\s+([\d.]+) ms\s*$", re.M)


class BenchError(Exception):
    pass


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, check=False, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if check and p.returncode != 0:
        raise BenchError(f"`{' '.join(cmd)}` exited {p.returncode}:\n{p.stderr.strip()}")
    return p


def timed(cmd, **kw):
    t0 = time.monotonic()
    p = run(cmd, **kw)
    return time.monotonic() - t0, p


def median(xs):
    return statistics.median(xs) if xs else float("nan")


# ---------------------------------------------------------------------------------------------
# The scenario


def shape(n):
    """(instances, subnets) for N tasks."""
    return max(1, n // TASKS_PER_INSTANCE), 4


def scenario(n, lab):
    """N tasks t0..t{N-1}: even ones awsvpc, odd ones bridge; tasks 2k and 2k+1 on instance
    i{k % M}; the awsvpc task 2k in group a when k // M is even, else in group b.

    Security groups (VPC 10.40.0.0/16, four /18 subnets, all in the default AZ):
      a   (awsvpc tasks of group a):  tcp 80 only from members of sg/a
      b   (awsvpc tasks of group b):  tcp 80 from the VPC CIDR
      ha  (even instances):           the dynamic host ports only from members of sg/a
      hb  (odd instances):            the dynamic host ports from the VPC CIDR
    Odd instances are also members of sg/a, even ones are not. An awsvpc task is seen with its
    ENI (and its group); a bridge container leaves its instance masqueraded to the instance's
    address (and the instance's groups). So every task of group b, every bridge task on an
    even instance, is silently dropped (timeout) at a group-a task or at an even instance's
    host port, except between two bridge containers of the same instance, which never leave
    it (Docker's DNAT on the instance, no security group on the way).
    """
    m, nsub = shape(n)
    tasks = []  # (index, mode, group, instance)
    for t in range(n):
        k = t // 2  # tasks 2k (awsvpc) and 2k+1 (bridge) share instance k % M
        if t % 2 == 0:
            tasks.append((t, "awsvpc", "a" if (k // m) % 2 == 0 else "b", k % m))
        else:
            tasks.append((t, "bridge", None, k % m))

    def member_of_a(task):
        t, mode, g, i = task
        return g == "a" if mode == "awsvpc" else i % 2 == 1

    def reachable(src, dst):
        if dst[1] == "awsvpc":
            return dst[2] == "b" or member_of_a(src)
        if src[1] == "bridge" and src[3] == dst[3]:
            return True  # same instance: docker0 -> DNAT -> docker0, no ENI crossed
        return dst[3] % 2 == 1 or member_of_a(src)

    L = [
        "# Generated by scripts/bench.py; see its docstring for the security group design.",
        "version: 1",
        f"name: {lab}",
        "vpc:",
        "  cidr: 10.40.0.0/16",
        "  subnets:",
    ]
    for s in range(nsub):
        L.append(f"    - {{name: s{s}, cidr: 10.40.{s * 64}.0/18}}")
    L += [
        "  securityGroups:",
        "    - {name: a, ingress: [{protocol: tcp, ports: 80, source: sg/a}]}",
        "    - {name: b, ingress: [{protocol: tcp, ports: 80, source: 10.40.0.0/16}]}",
        "    - {name: ha, ingress: [{protocol: tcp, ports: 32768-60999, source: sg/a}]}",
        "    - {name: hb, ingress: [{protocol: tcp, ports: 32768-60999, source: 10.40.0.0/16}]}",
        "instances:",
    ]
    for i in range(m):
        sgs = "[hb, a]" if i % 2 else "[ha]"
        L.append(f"  - {{name: i{i}, subnet: s{i % nsub}, maxEnis: 40, securityGroups: {sgs}}}")
    L += [
        "taskDefinitions:",
        "  - {family: v, networkMode: awsvpc, containerDefinitions: [{name: c, image: bench/app:1, portMappings: [{containerPort: 80}]}]}",
        "  - {family: b, networkMode: bridge, containerDefinitions: [{name: c, image: bench/app:1, portMappings: [{containerPort: 80}]}]}",
        "tasks:",
    ]
    for t, mode, g, i in tasks:
        if mode == "awsvpc":
            net = f"{{awsvpcConfiguration: {{subnets: [s{t // 2 % nsub}], securityGroups: [{g}]}}}}"
            L.append(f"  - {{name: t{t}, taskDefinition: v, instance: i{i}, networkConfiguration: {net}}}")
        else:
            L.append(f"  - {{name: t{t}, taskDefinition: b, instance: i{i}}}")
    L.append("expect:")
    probes = blocked = 0
    for src in tasks:
        others = [d for d in tasks if d[0] != src[0]]
        if n > 100:
            # A sample: SAMPLE destinations drawn at random (seeded by the source: the same
            # scenario every time), so all mode/group/instance mixes occur.
            others = random.Random(src[0]).sample(others, min(SAMPLE, MAX_EXPECT // n))
        for dst in others:
            ok = reachable(src, dst)
            via = ", via: hostPort" if dst[1] == "bridge" else ""
            L.append(f"  - {{from: task/t{src[0]}, to: task/t{dst[0]}:80{via}, reachable: {str(ok).lower()}}}")
            probes += 1
            blocked += not ok
    return "\n".join(L) + "\n", probes, blocked


# ---------------------------------------------------------------------------------------------
# Observations


def mem_available_kib():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1])
    raise BenchError("no MemAvailable in /proc/meminfo")


def marked_pids(lab):
    mark = f"ECSNET_LAB={lab}".encode()
    pids = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if mark in f.read().split(b"\0"):
                    pids.append(int(pid))
        except OSError:
            pass
    return pids


def unique_kib(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith(("Private_Clean:", "Private_Dirty:")):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def arp_cache():
    """(entries, table_fulls) of the kernel's ARP table (/proc/net/stat/arp_cache: hex, one row per
    CPU; `entries` is the table's, repeated on every row; `table_fulls` is per CPU)."""
    with open("/proc/net/stat/arp_cache") as f:
        head, *rows = [line.split() for line in f if line.strip()]
    col = {name: i for i, name in enumerate(head)}
    entries = int(rows[0][col["entries"]], 16)
    return entries, sum(int(r[col["table_fulls"]], 16) for r in rows)


class ArpWatch:
    """Samples the ARP table every 100 ms while a command runs: peak entries, table_fulls caused."""

    def __init__(self):
        self.peak, self.fulls0 = arp_cache()
        self.fulls = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _sample(self):
        entries, fulls = arp_cache()
        self.peak, self.fulls = max(self.peak, entries), fulls - self.fulls0

    def _watch(self):
        while not self._stop.wait(0.1):
            self._sample()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._sample()


def gc_thresh3():
    with open("/proc/sys/net/ipv4/neigh/default/gc_thresh3") as f:
        return int(f.read())


def lab_neighbours(lab):
    """(learned, permanent): the neighbour entries of every namespace of `lab` (`ip -n NS neigh`),
    the ones the kernel learned (any state but PERMANENT) and the lab's static ones."""
    learned = permanent = 0
    for ns in netns_names(f"ecsnet.{lab}."):
        for line in run(["ip", "-n", ns, "-4", "neigh", "show"]).stdout.splitlines():
            if line.rstrip().endswith("PERMANENT"):
                permanent += 1
            elif line.strip():
                learned += 1
    return learned, permanent


def netns_names(prefix):
    try:
        return sorted(x for x in os.listdir("/run/netns") if x.startswith(prefix))
    except FileNotFoundError:
        return []


def canary_arm():
    """A canary namespace with a veth into a holder namespace (both the benchmark's own)."""
    canary_clear()
    run(["ip", "netns", "add", CANARY_HOLD], check=True)
    run(["ip", "netns", "add", CANARY], check=True)
    run(["ip", "-n", CANARY, "link", "add", "c0", "type", "veth", "peer", "name", "c1", "netns", CANARY_HOLD], check=True)


def canary_fire(t_end, limit=120.0):
    """Delete the canary; return seconds from t_end until its peer link is gone."""
    run(["ip", "netns", "del", CANARY], check=True)
    while True:
        p = run(["ip", "-n", CANARY_HOLD, "-o", "link", "show", "dev", "c1"])
        now = time.monotonic()
        if p.returncode != 0:
            return now - t_end
        if now - t_end > limit:
            raise BenchError(f"the kernel did not tear down namespaces within {limit:.0f} s")
        time.sleep(0.001)


def canary_floor(runs):
    """The canary's own teardown with nothing queued before it: the floor of `kernel freed`."""
    xs = []
    for _ in range(runs):
        canary_arm()
        xs.append(canary_fire(time.monotonic()))
        canary_clear()
    return median(xs)


def canary_clear():
    for ns in (CANARY, CANARY_HOLD):
        if os.path.exists(f"/run/netns/{ns}"):
            run(["ip", "netns", "del", ns])


def leaks(lab=None, n=None):
    found = []
    if lab:
        found += [f"/run/netns/{x}" for x in netns_names(f"ecsnet.{lab}.")]
        if os.path.exists(f"/run/ecsnet/{lab}"):
            found.append(f"/run/ecsnet/{lab}")
        found += [f"pid {p} (ECSNET_LAB={lab})" for p in marked_pids(lab)]
    if n is not None:
        found += [f"/run/netns/{x}" for x in netns_names(f"ecsbl.{n}.")]
    return found


def assert_clean(lab, n):
    left = leaks(lab, n)
    if left:
        more = f" (and {len(left) - 10} more)" if len(left) > 10 else ""
        raise BenchError(f"LEAK after N={n}: {', '.join(left[:10])}{more}")


# ---------------------------------------------------------------------------------------------
# Runs


def bench_ecsnet(n, runs):
    lab = f"bench-{n}"
    text, probes, blocked = scenario(n, lab)
    path = os.path.join(OUT, f"{lab}.yaml")
    with open(path, "w") as f:
        f.write(text)
    run([BIN, "validate", path], check=True)
    r = {k: [] for k in ("up", "down", "freed", "check", "mem", "avail", "procs", "arp_peak", "arp_fulls",
                         "learned", "permanent")}
    phases, failures, overflow = {}, [], []
    for k in range(runs):
        before = mem_available_kib()
        dt, p = timed([BIN, "-v", "up", path])
        if p.returncode != 0:
            raise BenchError(f"ecsnet up failed at N={n} (exit {p.returncode}):\n{p.stderr.strip()[-4000:]}\n"
                             f"reproduce: sudo {BIN} up {path}")
        r["up"].append(dt)
        got = PHASE_RE.findall(p.stderr)
        if not got:
            raise BenchError(f"no phase lines in `ecsnet -v up` stderr:\n{p.stderr[-2000:]}")
        for name, ms in got:
            phases.setdefault(name, []).append(float(ms))
        r["avail"].append((before - mem_available_kib()) / 1024)
        pids = marked_pids(lab)
        r["procs"].append(len(pids))
        r["mem"].append(unique_kib(pids) / n)
        with ArpWatch() as arp:
            dt, c = timed([BIN, "check", lab])
        r["check"].append(dt)
        r["arp_peak"].append(arp.peak)
        r["arp_fulls"].append(arp.fulls)
        learned, permanent = lab_neighbours(lab)
        r["learned"].append(learned)
        r["permanent"].append(permanent)
        if c.returncode != 0:
            out = os.path.join(OUT, f"check-{lab}-run{k + 1}.txt")
            with open(out, "w") as f:
                f.write(c.stdout + c.stderr)
            fails = [l for l in c.stdout.splitlines() if l.lstrip().startswith("FAIL")]
            failures.append(len(fails))
            overflow.append(sum("NEIGHBOUR TABLE OVERFLOW" in l for l in fails))
            log(f"  ecsnet check FAILED at N={n} run {k + 1} (exit {c.returncode}): {len(fails)} of {probes} "
                f"expectations wrong; report in {out}; first ones:\n" + "\n".join(fails[:8])
                + (f"\n{c.stderr.strip()[-1500:]}" if c.stderr.strip() else ""))
        canary_arm()
        t0 = time.monotonic()
        d = run([BIN, "down", lab])
        t_end = time.monotonic()
        if d.returncode != 0:
            raise BenchError(f"ecsnet down {lab} exited {d.returncode}: {d.stderr.strip()}")
        r["down"].append(t_end - t0)
        r["freed"].append(canary_fire(t_end))
        canary_clear()
        assert_clean(lab, None)
        log(f"  ecsnet N={n} run {k + 1}: up {r['up'][-1] * 1e3:.0f} ms, check {r['check'][-1] * 1e3:.0f} ms, "
            f"down {r['down'][-1] * 1e3:.0f} ms, freed {r['freed'][-1] * 1e3:.0f} ms, "
            f"{r['procs'][-1]} processes, {r['mem'][-1]:.0f} KiB/task; ARP table during the matrix: peak "
            f"{arp.peak} entries, {arp.fulls} table fulls; the lab's neighbours after it: {learned} learned, "
            f"{permanent} permanent")
    res = {k: median(v) for k, v in r.items()}
    res.update(probes=probes, blocked=blocked, phases={k: median(v) for k, v in phases.items()},
               sample=n > 100, scenario=path, failures=failures, overflow=overflow)
    return res


def bench_baseline(n, runs):
    wd = os.path.join(OUT, f"baseline-{n}")
    run([BASELINE, str(n), "gen", wd], check=True)
    r = {"up": [], "down": [], "freed": []}
    for k in range(runs):
        dt, p = timed([BASELINE, str(n), "up", wd])
        if p.returncode != 0:
            raise BenchError(f"baseline up failed at N={n}:\n{p.stderr.strip()[-3000:]}\nreproduce: sudo {BASELINE} {n}")
        r["up"].append(dt)
        canary_arm()
        t0 = time.monotonic()
        p = run([BASELINE, str(n), "down", wd])
        t_end = time.monotonic()
        if p.returncode != 0:
            raise BenchError(f"baseline down failed at N={n}:\n{p.stderr.strip()}")
        r["down"].append(t_end - t0)
        r["freed"].append(canary_fire(t_end))
        canary_clear()
        assert_clean(None, n)
        log(f"  baseline N={n} run {k + 1}: up {r['up'][-1] * 1e3:.0f} ms, down {r['down'][-1] * 1e3:.0f} ms, "
            f"freed {r['freed'][-1] * 1e3:.0f} ms")
    return {k: median(v) for k, v in r.items()}


def cleanup(sizes):
    """Best effort, idempotent: everything the benchmark may have made."""
    for n in sizes:
        run([BIN, "down", f"bench-{n}"])
        if netns_names(f"ecsbl.{n}."):
            run([BASELINE, str(n), "down", os.path.join(OUT, f"baseline-{n}")])
    canary_clear()


# ---------------------------------------------------------------------------------------------
# Report

TARGETS = {  # N -> (up s, down s)
    100: (1.0, 1.0),
    1000: (10.0, 10.0),
}


def report(rows, runs, floor, errors):
    ms = lambda s: f"{s * 1000:.0f}"
    out = [
        f"# ecsnet benchmark ({os.cpu_count()} CPUs, kernel {os.uname().release}, median of {runs} runs)",
        "",
        "| N | instances | up (ms) | down (ms) | kernel-freed (ms) | matrix probes | matrix (ms) "
        "| ARP peak / table fulls | lab neighbours learned / permanent "
        "| unique mem/task (KiB) | MemAvailable delta (MiB) | baseline up (ms) | baseline down (ms) | ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, m, e, b in rows:
        probes = f"{e['probes']} ({e['blocked']} blocked){' sample' if e['sample'] else ''}"
        matrix = ms(e["check"])
        if e["failures"]:
            matrix += (f" FAILED ({'/'.join(map(str, e['failures']))} wrong in {len(e['failures'])} of {runs} runs; "
                       f"{'/'.join(map(str, e['overflow']))} of them flagged KERNEL NEIGHBOUR TABLE OVERFLOW)")
        out.append(
            f"| {n} | {m} | {ms(e['up'])} | {ms(e['down'])} | {ms(e['freed'])} | {probes} | {matrix} "
            f"| {e['arp_peak']:.0f} / {e['arp_fulls']:.0f} | {e['learned']:.0f} / {e['permanent']:.0f} "
            f"| {e['mem']:.0f} | {e['avail']:.1f} | {ms(b['up'])} | {ms(b['down'])} | {b['up'] / e['up']:.1f}x |")
    out += [
        "",
        "- ratio: baseline up / ecsnet up (how many times faster ecsnet builds the lab). The same for down: "
        + ", ".join(f"{b['down'] / e['down']:.1f}x at N={n}" for n, m, e, b in rows) + ".",
        "- kernel-freed: ms from the end of `down` until the kernel has torn down every namespace of the lab "
        "(a canary namespace deleted after `down` is queued behind them on the kernel's ordered `netns` "
        "cleanup workqueue; its veth peer vanishing marks the end). It includes the canary's own teardown: "
        f"{ms(floor)} ms for the canary alone (a namespace teardown waits for RCU grace periods). "
        "Baseline kernel-freed: " + ", ".join(f"{ms(b['freed'])} ms at N={n}" for n, m, e, b in rows) + ".",
        "- matrix: `ecsnet check` over every task to every other task's port 80 for N <= 100 "
        f"(bridge tasks through their dynamic host port); for N > 100 each task to {SAMPLE} others (a sample; {MAX_EXPECT // 5000} at N = 5000, the limit of {MAX_EXPECT} expectations per scenario). "
        "Blocked pairs are dropped by security groups and each probe ends when the VPC router reports its packet dropped by the rule the analyzer named (else at its 300 ms timeout); exit code 0 "
        "(every expectation right) is required.",
        "- ARP peak / table fulls: the kernel's ARP table (one for every namespace of the machine, other labs' "
        "too; capped by the root namespace's gc_thresh3 = "
        f"{gc_thresh3()}, permanent entries exempt) during the matrix: its peak size and how often it was full. "
        "Lab neighbours: the lab's entries after the matrix (`ip -n NS neigh`), learned by ARP (0 expected: "
        "ecsnet resolves every address it assigns statically) and permanent.",
        "- unique mem/task: Private_Clean+Private_Dirty of the lab's processes (ECSNET_LAB marker) / N; "
        "processes: " + ", ".join(f"{e['procs']:.0f} at N={n}" for n, m, e, b in rows) + ".",
        "- baseline: scripts/baseline.sh (`ip -batch` for the namespaces, one `ip -n NS -batch` per namespace, "
        "two at a time, `nft -f` per instance; no processes, no probes). Its batch files are generated "
        "before the clock starts.",
    ]
    n, m, e, b = rows[-1]
    ph = e["phases"]
    out += ["", f"Phases of `ecsnet -v up` at N = {n} (median, ms; wall time {ms(e['up'])} ms):", "",
            "| " + " | ".join(ph) + " |", "|" + "---:|" * len(ph),
            "| " + " | ".join(f"{v:.1f}" for v in ph.values()) + " |", ""]
    misses = []
    for n, m, e, b in rows:
        if n in TARGETS:
            tu, td = TARGETS[n]
            if e["up"] >= tu:
                misses.append(f"N={n}: up {ms(e['up'])} ms >= {tu * 1000:.0f} ms")
            if e["down"] >= td:
                misses.append(f"N={n}: down {ms(e['down'])} ms >= {td * 1000:.0f} ms")
        if n == 100:
            if e["check"] >= 2.0:
                misses.append(f"N=100: matrix {ms(e['check'])} ms >= 2000 ms")
            if b["up"] / e["up"] < 5:
                misses.append(f"N=100: only {b['up'] / e['up']:.1f}x faster than the baseline (target 5x)")
        if e["failures"]:
            misses.append(f"N={n}: `ecsnet check` exit code not 0 in {len(e['failures'])} of {runs} runs "
                          f"(reproduce: sudo {BIN} up {e['scenario']} && sudo {BIN} check bench-{n})")
        if e["mem"] >= 512:
            misses.append(f"N={n}: {e['mem']:.0f} KiB unique memory per task >= 512")
        if e["learned"]:
            misses.append(f"N={n}: the lab learned {e['learned']:.0f} neighbours by ARP (none expected)")
    misses += [f"{x.split(':', 1)[0]}: FAILED (below)" for x in errors]
    out.append("Targets (100 tasks: up, down < 1 s, matrix < 2 s, >= 5x the baseline; 1000 tasks: up, down "
               "< 10 s; < 512 KiB per task; no neighbour learned by ARP): "
               + ("all met." if not misses else "MISSED: " + "; ".join(misses) + "."))
    return "\n".join(out) + "\n"


def _interrupt(*_):
    raise KeyboardInterrupt


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10,100,1000", help="comma-separated task counts (default 10,100,1000)")
    ap.add_argument("--runs", type=int, default=3, help="runs per measurement (median; default 3)")
    ap.add_argument("--no-baseline", action="store_true", help="skip the ip -batch baseline")
    a = ap.parse_args()
    sizes = [int(x) for x in a.sizes.split(",") if x.strip()]
    if not sizes or min(sizes) < 2:
        sys.exit("bench: --sizes needs task counts >= 2")
    if os.geteuid() != 0:
        sys.exit("bench: needs root (sudo scripts/bench.sh)")
    if not os.access(BIN, os.X_OK):
        sys.exit(f"bench: {BIN} missing; run scripts/bench.sh (it builds it)")
    os.makedirs(OUT, exist_ok=True)
    lockf = open(LOCK, "w")
    try:
        fcntl.flock(lockf, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        sys.exit(f"bench: another benchmark holds {LOCK}")
    # Ctrl-C and SIGTERM unwind through the finally below.
    signal.signal(signal.SIGTERM, _interrupt)
    stale = [s for s in sizes if leaks(f"bench-{s}", s)]
    if stale:
        log(f"bench: removing leftovers of an earlier run: {', '.join(f'bench-{s}' for s in stale)}")
    rows, status = [], 1
    try:
        cleanup(sizes)
        floor = canary_floor(a.runs)
        log(f"kernel teardown of one empty namespace (the canary alone): {floor * 1e3:.0f} ms")
        errors = []
        for n in sizes:
            m, _ = shape(n)
            log(f"N={n} ({m} instances)")
            try:
                e = bench_ecsnet(n, a.runs)
                nan = float("nan")
                b = {"up": nan, "down": nan, "freed": nan} if a.no_baseline else bench_baseline(n, a.runs)
                rows.append((n, m, e, b))
            except BenchError as err:
                # ecsnet (or the baseline) failed at this size: report it, go on with the next.
                errors.append(f"N={n}: {err}")
                log(f"bench: FAILED at N={n}: {err}")
            finally:
                cleanup([n])
            assert_clean(f"bench-{n}", n)
        text = report(rows, a.runs, floor, errors) if rows else ""
        if errors:
            text += "\nFailures:\n\n" + "\n\n".join(f"```\n{x}\n```" for x in errors) + "\n"
        print(text)
        with open(os.path.join(OUT, "results.md"), "w") as f:
            f.write(text)
        status = 1 if errors or any(e["failures"] for _, _, e, _ in rows) else 0
    except BenchError as err:
        log(f"bench: FAILED: {err}")
    except KeyboardInterrupt:
        log("bench: interrupted; cleaning up")
        status = 130
    finally:
        with contextlib.suppress(KeyboardInterrupt):
            cleanup(sizes)
            left = [x for s in sizes for x in leaks(f"bench-{s}", s)] + netns_names("ecsbench.")
            if left:
                log(f"bench: LEAK: could not remove {', '.join(left[:10])}")
                status = status or 1
    sys.exit(status)


if __name__ == "__main__":
    main()
