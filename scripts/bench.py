#!/usr/bin/env python3
"""ecsnet benchmark: up, down, kernel-side teardown, a reachability matrix and memory per task,
for labs of N tasks (half awsvpc, half bridge) over M = max(1, N/25) instances, against the
same topology built with the fastest shell form (`ip -batch`, `ip -n NS -batch`, `nft -f`).

    sudo scripts/bench.sh                 # N = 10, 100, 1000
    sudo scripts/bench.sh --sizes 10,100  # a subset

Needs root; touches only namespaces it creates (prefixes `ecsnet.bench-` and `bl-`).
Prints a Markdown table and writes it to bench/out/results.md.
"""
import argparse, os, re, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "ecsnet")
RUNS = 3


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=isinstance(cmd, str), capture_output=True, text=True, **kw)


def netns_alive():
    """Network namespaces the kernel still holds (freed asynchronously after unmount)."""
    with open("/proc/slabinfo") as f:
        for line in f:
            if line.startswith("net_namespace "):
                return int(line.split()[1])
    return -1


def wait_freed(baseline, limit=60.0):
    t0 = time.monotonic()
    while netns_alive() > baseline and time.monotonic() - t0 < limit:
        time.sleep(0.005)
    return time.monotonic() - t0


def mem_available_kib():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1])
    return 0


def lab_unique_kib(lab):
    """Private_Clean + Private_Dirty of every process marked ECSNET_LAB=<lab>."""
    total = 0
    mark = f"ECSNET_LAB={lab}".encode()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if mark not in f.read().split(b"\0"):
                    continue
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith(("Private_Clean:", "Private_Dirty:")):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def topology(n):
    m = max(1, n // 25)
    per = (n + m - 1) // m
    return m, per


def scenario(n, lab, matrix_limit):
    """N tasks; even tasks awsvpc, odd bridge. Group a (even index // 2 even) admits port 80
    only from sg/a: tasks of group b cannot reach group a's awsvpc tasks (timeouts)."""
    m, per = topology(n)
    L = [f"version: 1", f"name: {lab}", "vpc:", "  cidr: 10.40.0.0/16", "  subnets:"]
    # 16 subnets: same-subnet pairs resolve each other with ARP, and the kernel's ARP table
    # is shared by every namespace (capped by the root's gc_thresh3); see the README.
    for s in range(16):
        L.append(f"    - {{name: s{s}, cidr: 10.40.{s * 16}.0/20}}")
    L += ["  securityGroups:",
          "    - name: a",
          "      ingress: [{protocol: tcp, ports: 80, source: sg/a}]",
          "    - name: b",
          "      ingress: [{protocol: tcp, ports: 80, source: 10.40.0.0/16}]",
          "    - name: hosts",
          "      ingress: [{protocol: tcp, ports: 32768-60999, source: 10.40.0.0/16}]",
          "instances:"]
    for i in range(m):
        L.append(f"  - {{name: i{i}, subnet: s{i % 16}, maxEnis: {per + 2}, securityGroups: [hosts, a]}}")
    L += ["taskDefinitions:",
          "  - {family: v, networkMode: awsvpc, containerDefinitions: [{name: c, image: x, portMappings: [{containerPort: 80}]}]}",
          "  - {family: b, networkMode: bridge, containerDefinitions: [{name: c, image: x, portMappings: [{containerPort: 80}]}]}",
          "tasks:"]
    tasks = []
    for t in range(n):
        i = t % m
        if t % 2 == 0:
            g = "a" if (t // 2) % 2 == 0 else "b"
            L.append(f"  - {{name: t{t}, taskDefinition: v, instance: i{i}, networkConfiguration: {{awsvpcConfiguration: {{subnets: [s{t % 16}], securityGroups: [{g}]}}}}}}")
            tasks.append((t, "awsvpc", g, i))
        else:
            L.append(f"  - {{name: t{t}, taskDefinition: b, instance: i{i}}}")
            tasks.append((t, "bridge", None, i))
    # The reachability matrix as expectations: every task to every other task's port (or a
    # sample of `matrix_limit` destinations per source for large N).
    L.append("expect:")
    probes = 0
    for (s, smode, sg, si) in tasks:
        dests = [d for d in tasks if d[0] != s]
        if matrix_limit and len(dests) > matrix_limit:
            step = len(dests) / matrix_limit
            dests = [dests[int(k * step)] for k in range(matrix_limit)]
        for (d, dmode, dg, di) in dests:
            if dmode == "awsvpc":
                # Sources reach group a only from an ENI in sg/a (awsvpc tasks of group a, or
                # bridge containers whose instance is in sg/a: all instances are).
                ok = dg == "b" or (smode == "awsvpc" and sg == "a") or smode == "bridge"
                L.append(f"  - {{from: task/t{s}, to: task/t{d}:80, reachable: {str(ok).lower()}, timeoutMs: 300}}")
            else:
                # Bridge tasks are reached at their instance's address and dynamic host port.
                L.append(f"  - {{from: task/t{s}, to: task/t{d}:80, via: hostPort, reachable: true, timeoutMs: 300}}")
            probes += 1
    return "\n".join(L) + "\n", probes


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def run_ecsnet(n, workdir):
    lab = f"bench-{n}"
    limit = None if n <= 100 else 10
    text, probes = scenario(n, lab, limit)
    path = os.path.join(workdir, f"{lab}.yaml")
    with open(path, "w") as f:
        f.write(text)
    ups, downs, freed, checks, mems, avail, phases = [], [], [], [], [], [], {}
    for r in range(RUNS):
        sh([BIN, "down", lab])
        wait_freed(netns_alive())
        base_ns = netns_alive()
        before = mem_available_kib()
        t0 = time.monotonic()
        p = sh([BIN, "-v", "up", path])
        ups.append(time.monotonic() - t0)
        if p.returncode != 0:
            sys.exit(f"ecsnet up failed for N={n}:\n{p.stderr}\nreproduce: sudo {BIN} up {path}")
        for m in re.finditer(r"^  (\w+)\s+([\d.]+) ms$", p.stderr, re.M):
            phases.setdefault(m.group(1), []).append(float(m.group(2)))
        avail.append((before - mem_available_kib()) / 1024)
        mems.append(lab_unique_kib(lab) / n)
        t0 = time.monotonic()
        c = sh([BIN, "check", lab])
        checks.append(time.monotonic() - t0)
        if c.returncode != 0:
            sh([BIN, "down", lab])
            sys.exit(f"ecsnet check failed for N={n}:\n{c.stdout[-3000:]}")
        t0 = time.monotonic()
        d = sh([BIN, "down", lab])
        downs.append(time.monotonic() - t0)
        freed.append(wait_freed(base_ns))
        if d.returncode != 0:
            sys.exit(f"ecsnet down failed: {d.stderr}")
        left = [x for x in os.listdir("/run/netns") if x.startswith(f"ecsnet.{lab}.")] if os.path.isdir("/run/netns") else []
        if left or os.path.exists(f"/run/ecsnet/{lab}") or lab_unique_kib(lab):
            sys.exit(f"leak after down of {lab}: {left[:5]}")
    return {
        "up": median(ups), "down": median(downs), "freed": median(freed), "probes": probes,
        "check": median(checks), "mem": median(mems), "avail": median(avail),
        "phases": {k: median(v) for k, v in phases.items()},
    }


def baseline_files(n, workdir):
    """The same topology for `ip -batch`: one file creating every namespace, one per namespace."""
    m, _ = topology(n)
    P = f"bl-{n}"
    rtr, files, nft = f"{P}-vpc", {}, {}
    names = [rtr] + [f"{P}-i{i}" for i in range(m)]
    add = lambda ns, line: files.setdefault(ns, []).append(line)
    for ns in names:
        add(ns, "link set lo up")
    add(rtr, "link set lo up")
    eni = 0

    def new_eni(owner, subnet_gw, ip, prefix):
        nonlocal eni
        eni += 1
        link = f"eni{eni}"
        add(rtr, f"link add {link} type veth peer name eth0 netns {owner}")
        add(rtr, f"link set {link} up")
        add(rtr, f"address add {subnet_gw}/32 dev {link}")
        add(rtr, f"route add {ip}/32 dev {link}")
        add(owner, f"address add {ip}/{prefix} dev eth0")
        add(owner, "link set eth0 up")
        add(owner, f"route add default via {subnet_gw} dev eth0")

    for i in range(m):
        inst = f"{P}-i{i}"
        new_eni(inst, "10.40.0.1", f"10.40.{i // 200}.{4 + i % 200}", 19)
        add(inst, "link add docker0 type bridge")
        add(inst, "link add ecs-bridge type bridge")
        add(inst, "address add 172.17.0.1/16 dev docker0")
        add(inst, "address add 169.254.172.1/22 dev ecs-bridge")
        add(inst, "link set docker0 up")
        add(inst, "link set ecs-bridge up")
        nft[inst] = ["table inet bl {", " chain pre { type nat hook prerouting priority -100; }",
                     " chain post { type nat hook postrouting priority 100; ip saddr 172.17.0.0/16 oifname != \"docker0\" masquerade; }"]
    counters = {}
    for t in range(n):
        i = t % m
        inst = f"{P}-i{i}"
        k = counters.get(i, 0)
        counters[i] = k + 1
        tns = f"{P}-t{t}"
        names.append(tns)
        add(tns, "link set lo up")
        if t % 2 == 0:
            new_eni(tns, "10.40.0.1", f"10.40.{8 + t // 200}.{4 + t % 200}", 19)
            add(inst, f"link add v{t} type veth peer name ecs-eth0 netns {tns}")
            add(inst, f"link set v{t} master ecs-bridge up")
            add(tns, f"address add 169.254.172.{2 + k}/22 dev ecs-eth0")
            add(tns, "link set ecs-eth0 up")
            add(tns, "route add 169.254.172.1/32 dev ecs-eth0")
            add(tns, "route add 169.254.170.2/32 via 169.254.172.1 dev ecs-eth0")
        else:
            ip = f"172.17.{(2 + k) // 256}.{(2 + k) % 256}"
            add(inst, f"link add v{t} type veth peer name eth0 netns {tns}")
            add(inst, f"link set v{t} master docker0 up")
            add(tns, f"address add {ip}/16 dev eth0")
            add(tns, "link set eth0 up")
            add(tns, "route add default via 172.17.0.1 dev eth0")
            nft[inst][1] = nft[inst][1][:-1] + f" fib daddr type local tcp dport {32768 + t} dnat ip to {ip}:80; }}"
    for inst in nft:
        nft[inst].append("}")
    paths = {}
    create = os.path.join(workdir, f"{P}.netns")
    with open(create, "w") as f:
        f.write("".join(f"netns add {ns}\n" for ns in names))
    delete = os.path.join(workdir, f"{P}.del")
    with open(delete, "w") as f:
        f.write("".join(f"netns del {ns}\n" for ns in names))
    # Links are created from the router and the instances; the namespaces they point into
    # must exist first, and each namespace's own addresses come after its links.
    order = [rtr] + [f"{P}-i{i}" for i in range(m)] + [ns for ns in names if ns not in (rtr,) and "-t" in ns]
    for ns in order:
        p = os.path.join(workdir, f"{ns}.batch")
        with open(p, "w") as f:
            f.write("\n".join(files.get(ns, [])) + "\n")
        paths[ns] = p
    for inst, lines in nft.items():
        p = os.path.join(workdir, f"{inst}.nft")
        with open(p, "w") as f:
            f.write("\n".join(lines) + "\n")
        paths[inst + ".nft"] = p
    return create, delete, order, paths, [rtr] + [f"{P}-i{i}" for i in range(m)]


def run_baseline(n, workdir):
    create, delete, order, paths, routers = baseline_files(n, workdir)
    ups, downs = [], []
    for r in range(RUNS):
        sh(["ip", "-force", "-batch", delete])
        base_ns = netns_alive()
        t0 = time.monotonic()
        ok = sh(["ip", "-batch", create]).returncode == 0
        for ns in routers:
            sh(["ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.ip_forward=1"])
        for ns in order:
            # Instances first create their veths, then the task namespaces configure theirs.
            ok &= sh(["ip", "-n", ns, "-batch", paths[ns]]).returncode == 0
        for ns in routers[1:]:
            ok &= sh(["ip", "netns", "exec", ns, "nft", "-f", paths[ns + ".nft"]]).returncode == 0
        ups.append(time.monotonic() - t0)
        if not ok:
            sh(["ip", "-force", "-batch", delete])
            sys.exit(f"baseline failed for N={n} (files in {workdir})")
        t0 = time.monotonic()
        sh(["ip", "-force", "-batch", delete])
        downs.append(time.monotonic() - t0)
        wait_freed(base_ns)
    left = [x for x in os.listdir("/run/netns") if x.startswith(f"bl-{n}-")]
    if left:
        sys.exit(f"baseline leaked {left[:5]}")
    return {"up": median(ups), "down": median(downs)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10,100,1000")
    ap.add_argument("--baseline-only", type=int)
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench: needs root (sudo scripts/bench.sh)")
    with tempfile.TemporaryDirectory(prefix="ecsnet-bench-") as wd:
        if a.baseline_only:
            b = run_baseline(a.baseline_only, wd)
            print(f"baseline N={a.baseline_only}: up {b['up']*1000:.0f} ms, down {b['down']*1000:.0f} ms")
            return
        rows, last = [], None
        for n in [int(x) for x in a.sizes.split(",")]:
            e = run_ecsnet(n, wd)
            b = run_baseline(n, wd)
            m, _ = topology(n)
            rows.append((n, m, e, b))
            last = (n, e)
            print(f"N={n}: up {e['up']*1000:.0f} ms, down {e['down']*1000:.0f} ms, baseline up {b['up']*1000:.0f} ms", file=sys.stderr)
        out = ["| N tasks | instances | up (ms) | down (ms) | kernel freed (ms) | matrix probes | matrix (ms) | unique mem/task (KiB) | MemAvailable delta (MiB) | baseline up (ms) | baseline down (ms) | baseline/ecsnet up |",
               "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for n, m, e, b in rows:
            out.append(f"| {n} | {m} | {e['up']*1000:.0f} | {e['down']*1000:.0f} | {e['freed']*1000:.0f} | {e['probes']} | {e['check']*1000:.0f} | {e['mem']:.0f} | {e['avail']:.1f} | {b['up']*1000:.0f} | {b['down']*1000:.0f} | {b['up']/e['up']:.1f}x |")
        n, e = last
        out += ["", f"Phases of `ecsnet up` at N = {n} (median of {RUNS} runs, ms):", "",
                "| " + " | ".join(e["phases"]) + " |", "|" + "---:|" * len(e["phases"]),
                "| " + " | ".join(f"{v:.0f}" for v in e["phases"].values()) + " |"]
        text = "\n".join(out) + "\n"
        print(text)
        os.makedirs(os.path.join(ROOT, "bench", "out"), exist_ok=True)
        with open(os.path.join(ROOT, "bench", "out", "results.md"), "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
