//! The stats routes' documents: Docker's stats of a container (`types.StatsJSON` as the agent
//! passes it on: cgroup v2 fields, no per-CPU usage), and for v4 the agent's
//! `network_rate_stats`. Nothing is measured: the counters are made up from the time since the
//! container was created, steady and small, the same at the same instant, so that readers
//! (CloudWatch agents, OTel receivers) see documents of the right shape that move plausibly.

use super::GoFloat;
use crate::model::{Container, ids};
use crate::sys::time::{NS_PER_SEC, rfc3339_nano};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a container's stats are computed from, fixed at `up`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsSource {
    /// `/` and the Docker name, as Docker's stats name a container.
    pub name: String,
    pub created_ns: u64,
    /// The instance's vCPUs (`online_cpus`).
    pub online_cpus: u32,
    /// Docker's memory limit in bytes: the container's, else the instance's memory.
    pub memory_limit: u64,
    /// An idle pause container uses next to nothing.
    pub pause: bool,
    /// Where its traffic shows; None: host and none mode (Docker reports no networks).
    pub network: Option<NetworkSource>,
}

/// An interface whose counters the stats show.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkSource {
    pub interface: String,
    /// What makes its rates its own: the task for awsvpc (one ENI), the container for bridge.
    pub seed: String,
    /// Counting from.
    pub since_ns: u64,
}

impl StatsSource {
    pub fn new(instance_type: &str, m: &Container, created_ns: u64, network: Option<NetworkSource>) -> StatsSource {
        let (vcpus, memory_mib) = instance_size(instance_type);
        let limit_mib = m.memory.map(u64::from).unwrap_or(memory_mib * 95 / 100);
        StatsSource {
            name: format!("/{}", m.docker_name),
            created_ns,
            online_cpus: vcpus,
            memory_limit: limit_mib * 1024 * 1024,
            pause: m.pause,
            network,
        }
    }
}

/// vCPUs and memory (MiB) of an instance type, near enough for stats: the size gives the
/// vCPUs, the family the memory per vCPU (c 2 GiB, m 4, r 8, x 16; t by size).
fn instance_size(instance_type: &str) -> (u32, u64) {
    let (family, size) = instance_type.split_once('.').unwrap_or((instance_type, "large"));
    let small = match size {
        "nano" => Some(512),
        "micro" => Some(1024),
        "small" => Some(2048),
        "medium" => Some(4096),
        _ => None,
    };
    if let Some(mib) = small {
        return (2, mib);
    }
    let vcpus = match size {
        "large" => 2,
        "metal" => 96,
        s => s.strip_suffix("xlarge").map(|n| n.parse::<u32>().unwrap_or(1) * 4).unwrap_or(2),
    };
    let per_vcpu = match family.chars().next() {
        Some('c') => 2048,
        Some('r') => 8192,
        Some('x') => 16384,
        _ => 4096,
    };
    (vcpus, u64::from(vcpus) * per_vcpu)
}

#[derive(Serialize)]
struct CpuUsage {
    total_usage: u64,
    usage_in_kernelmode: u64,
    usage_in_usermode: u64,
}

#[derive(Serialize)]
struct Throttling {
    periods: u64,
    throttled_periods: u64,
    throttled_time: u64,
}

#[derive(Serialize)]
struct CpuStats {
    cpu_usage: CpuUsage,
    system_cpu_usage: u64,
    online_cpus: u32,
    throttling_data: Throttling,
}

#[derive(Serialize)]
struct Pids {
    current: u64,
}

/// cgroup v2 reports none of the v1 blkio lists for an idle container: Docker sends nulls.
#[derive(Serialize, Default)]
struct Blkio {
    io_service_bytes_recursive: Option<Vec<()>>,
    io_serviced_recursive: Option<Vec<()>>,
    io_queue_recursive: Option<Vec<()>>,
    io_service_time_recursive: Option<Vec<()>>,
    io_wait_time_recursive: Option<Vec<()>>,
    io_merged_recursive: Option<Vec<()>>,
    io_time_recursive: Option<Vec<()>>,
    sectors_recursive: Option<Vec<()>>,
}

#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
struct Memory {
    usage: u64,
    stats: BTreeMap<&'static str, u64>,
    limit: u64,
}

#[derive(Serialize)]
struct NetStats {
    rx_bytes: u64,
    rx_packets: u64,
    rx_errors: u64,
    rx_dropped: u64,
    tx_bytes: u64,
    tx_packets: u64,
    tx_errors: u64,
    tx_dropped: u64,
}

#[derive(Serialize)]
struct Rate {
    rx_bytes_per_sec: GoFloat,
    tx_bytes_per_sec: GoFloat,
}

/// Docker's StatsJSON, then (v4) the agent's network rates.
#[derive(Serialize)]
struct StatsDoc<'a> {
    read: String,
    preread: String,
    pids_stats: Pids,
    blkio_stats: Blkio,
    num_procs: u32,
    storage_stats: Empty,
    cpu_stats: CpuStats,
    precpu_stats: CpuStats,
    memory_stats: Memory,
    name: &'a str,
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    networks: Option<BTreeMap<&'a str, NetStats>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    network_rate_stats: Option<Rate>,
}

/// Docker streams a stat a second: the one read now, and the one before it.
const STAT_INTERVAL_NS: u64 = NS_PER_SEC;

/// The stats document of a container at `now_ns`; `rates`: with v4's `network_rate_stats`.
pub fn document(s: &StatsSource, docker_id: &str, now_ns: u64, rates: bool) -> String {
    let pre_ns = now_ns.saturating_sub(STAT_INTERVAL_NS);
    let jitter = ids::fnv64(&[docker_id, "stats"]);
    let network = s.network.as_ref().map(|n| {
        let seed = ids::fnv64(&[&n.seed, "traffic"]);
        let (now, pre) =
            (traffic(seed, now_ns.saturating_sub(n.since_ns)), traffic(seed, pre_ns.saturating_sub(n.since_ns)));
        let rate = Rate {
            rx_bytes_per_sec: GoFloat((now.rx_bytes - pre.rx_bytes) as f64),
            tx_bytes_per_sec: GoFloat((now.tx_bytes - pre.tx_bytes) as f64),
        };
        (n.interface.as_str(), now, rate)
    });
    let (networks, rate) = match network {
        Some((name, now, rate)) => (Some(BTreeMap::from([(name, now)])), rates.then_some(rate)),
        None => (None, None),
    };
    let doc = StatsDoc {
        read: rfc3339_nano(now_ns),
        preread: rfc3339_nano(pre_ns),
        pids_stats: Pids { current: 1 },
        blkio_stats: Blkio::default(),
        num_procs: 0,
        storage_stats: Empty {},
        cpu_stats: cpu(s, jitter, now_ns),
        precpu_stats: cpu(s, jitter, pre_ns),
        memory_stats: memory(s, jitter, now_ns),
        name: &s.name,
        id: docker_id,
        networks,
        network_rate_stats: rate,
    };
    serde_json::to_string(&doc).unwrap_or_default()
}

/// CPU time at `at_ns`: a steady ~0.15% of a CPU (a pause ~0.005%), 30% of it in the kernel, in
/// the microseconds cgroup v2 counts; the host's time over all CPUs in clock ticks (10 ms).
fn cpu(s: &StatsSource, jitter: u64, at_ns: u64) -> CpuStats {
    let up_ns = u128::from(at_ns.saturating_sub(s.created_ns));
    let per_sec: u128 = if s.pause { 50_000 } else { 1_200_000 + u128::from(jitter % 600_000) };
    let total_us = (up_ns * per_sec / u128::from(NS_PER_SEC) / 1000) as u64;
    let kernel_us = total_us * 3 / 10;
    // The instance booted a little before the lab came up.
    let host_ns = u128::from(at_ns.saturating_sub(s.created_ns)) + 95 * u128::from(NS_PER_SEC);
    let system = (host_ns * u128::from(s.online_cpus) / 10_000_000 * 10_000_000) as u64;
    CpuStats {
        cpu_usage: CpuUsage {
            total_usage: total_us * 1000,
            usage_in_kernelmode: kernel_us * 1000,
            usage_in_usermode: (total_us - kernel_us) * 1000,
        },
        system_cpu_usage: system,
        online_cpus: s.online_cpus,
        throttling_data: Throttling { periods: 0, throttled_periods: 0, throttled_time: 0 },
    }
}

/// Memory in use: a few MiB (a pause a few hundred KiB), in pages, and its cgroup v2 breakdown.
fn memory(s: &StatsSource, jitter: u64, at_ns: u64) -> Memory {
    const PAGE: u64 = 4096;
    let base = if s.pause { 90 * PAGE } else { 1536 * PAGE + (jitter >> 20) % 512 * PAGE };
    let usage = base.min(s.memory_limit);
    let anon = usage / PAGE * 6 / 10 * PAGE;
    let file = usage / PAGE * 3 / 10 * PAGE;
    let kernel_stack = 4 * PAGE;
    let up_s = at_ns.saturating_sub(s.created_ns) / NS_PER_SEC;
    let stats = BTreeMap::from([
        ("active_anon", 0),
        ("active_file", file / 2 / PAGE * PAGE),
        ("anon", anon),
        ("file", file),
        ("file_mapped", file / 3 / PAGE * PAGE),
        ("inactive_anon", anon),
        ("inactive_file", file - file / 2 / PAGE * PAGE),
        ("kernel_stack", kernel_stack),
        ("pgfault", usage / PAGE * 2 + up_s / 10),
        ("pgmajfault", 0),
        ("shmem", 0),
        ("slab", usage.saturating_sub(anon + file + kernel_stack)),
        ("sock", 0),
        ("unevictable", 0),
    ]);
    Memory { usage, stats, limit: s.memory_limit }
}

/// An interface's counters after `up_ns`: a little steady traffic (health checks, probes).
fn traffic(seed: u64, up_ns: u64) -> NetStats {
    let up_s = up_ns / NS_PER_SEC;
    let (rx_rate, tx_rate) = (60 + seed % 90, 40 + (seed >> 16) % 70);
    let (rx_bytes, tx_bytes) = (up_s * rx_rate, up_s * tx_rate);
    NetStats {
        rx_bytes,
        rx_packets: rx_bytes / 84,
        rx_errors: 0,
        rx_dropped: 0,
        tx_bytes,
        tx_packets: tx_bytes / 72,
        tx_errors: 0,
        tx_dropped: 0,
    }
}

/// Docker's stats of every container of a task, by Docker id (Go writes a map's keys sorted);
/// `rates` as for one.
pub fn task_document<'a>(
    containers: impl Iterator<Item = (&'a str, &'a StatsSource)>,
    now_ns: u64,
    rates: bool,
) -> String {
    let sorted: BTreeMap<&str, &StatsSource> = containers.collect();
    let mut out = String::from("{");
    for (i, (id, s)) in sorted.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&serde_json::Value::String(id.to_string()).to_string());
        out.push(':');
        out.push_str(&document(s, id, now_ns, rates));
    }
    out.push('}');
    out
}
