//! What a run found: each lab's report, the files written for a lab with findings, and the
//! totals with the mismatches grouped by signature.

use super::CONFIRM_TIMEOUT;
use super::compare::Mismatch;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What one lab gave.
#[derive(Default)]
pub struct LabReport {
    pub probes: usize,
    /// Load balancers in the lab, and the probes through them (counted in `probes` too).
    pub albs: usize,
    pub alb_probes: usize,
    /// Probes through a load balancer that a target answered.
    pub alb_served: usize,
    /// Network load balancers among them, the probes through them and those a target answered.
    pub nlbs: usize,
    pub nlb_probes: usize,
    pub nlb_served: usize,
    /// ECS services in the lab, and their tasks placed.
    pub services: usize,
    pub service_tasks: usize,
    /// Whether the lab has a Cloud Map namespace, and how many of its names were asked.
    pub cloud_map: bool,
    pub cloud_map_names: usize,
    /// Connections by name (`check`'s own path), and those that connected.
    pub by_name: usize,
    pub by_name_connected: usize,
    /// Labs whose service task was stopped (StopTask) and replaced while they ran, probed again.
    pub changed: usize,
    /// Probes the analyzer said a logged rule drops, and that were seen dropped by it.
    pub seen_dropped: usize,
    pub mismatches: Vec<Mismatch>,
    /// Disagreements that went away when probed again with a longer timeout.
    pub flaky: Vec<String>,
    /// Disagreements while the kernel's neighbour table overflowed: the kernel's, not the lab's.
    pub overflow: Vec<String>,
    pub up_failed: Option<String>,
    pub generator_bug: Option<String>,
}

pub fn out_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/differential")
}

/// The `.txt` next to a lab's `.yaml`: every mismatch, the command that explains it, and the
/// analyzer's hops.
fn write_findings(stem: &str, yaml: &str, rep: &LabReport) -> PathBuf {
    let dir = out_dir();
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join(format!("{stem}.yaml"));
    let _ = std::fs::write(&file, yaml);
    let mut t = String::new();
    if let Some(up) = &rep.up_failed {
        let _ = writeln!(t, "ecsnet up failed:\n{up}");
    }
    if let Some(g) = &rep.generator_bug {
        let _ = writeln!(t, "generator bug, the scenario does not load:\n{g}");
    }
    for m in &rep.mismatches {
        let _ = writeln!(t, "{}\n  signature: {}", m.line, m.signature);
        for extra in &m.detail {
            let _ = writeln!(t, "  {extra}");
        }
    }
    for f in &rep.flaky {
        let _ = writeln!(t, "flaky (agreed when probed again with {} ms): {f}", CONFIRM_TIMEOUT.as_millis());
    }
    for f in &rep.overflow {
        let _ = writeln!(t, "not judged (the kernel's neighbour table overflowed during the probes): {f}");
    }
    let _ = std::fs::write(dir.join(format!("{stem}.txt")), t);
    file
}

/// The totals over every lab, and the mismatches by signature (count, first example).
#[derive(Default)]
pub struct Tally {
    pub labs: usize,
    pub probes: usize,
    pub albs: usize,
    pub alb_probes: usize,
    pub alb_served: usize,
    pub alb_mismatches: usize,
    pub nlbs: usize,
    pub nlb_probes: usize,
    pub nlb_served: usize,
    pub nlb_mismatches: usize,
    pub services: usize,
    pub service_tasks: usize,
    /// Labs with a Cloud Map namespace, and the names of it asked.
    pub cloud_map_labs: usize,
    pub cloud_map_names: usize,
    pub by_name: usize,
    pub by_name_connected: usize,
    pub changed: usize,
    pub seen_dropped: usize,
    pub mismatches: usize,
    pub flaky: usize,
    pub overflow: usize,
    pub up_failures: Vec<String>,
    pub generator_bugs: Vec<String>,
    pub signatures: BTreeMap<String, (usize, String)>,
}

impl Tally {
    pub fn add(&mut self, stem: &str, yaml: &str, rep: LabReport) {
        self.labs += 1;
        self.probes += rep.probes;
        self.albs += rep.albs;
        self.alb_probes += rep.alb_probes;
        self.alb_served += rep.alb_served;
        self.nlbs += rep.nlbs;
        self.nlb_probes += rep.nlb_probes;
        self.nlb_served += rep.nlb_served;
        self.nlb_mismatches += rep.mismatches.iter().filter(|m| m.signature.contains(" -> nlb/")).count();
        self.services += rep.services;
        self.service_tasks += rep.service_tasks;
        self.cloud_map_labs += usize::from(rep.cloud_map);
        self.cloud_map_names += rep.cloud_map_names;
        self.by_name += rep.by_name;
        self.by_name_connected += rep.by_name_connected;
        self.changed += rep.changed;
        self.seen_dropped += rep.seen_dropped;
        self.alb_mismatches += rep.mismatches.iter().filter(|m| m.signature.starts_with("lb ")).count();
        self.mismatches += rep.mismatches.len();
        self.flaky += rep.flaky.len();
        self.overflow += rep.overflow.len();
        let interesting = !rep.mismatches.is_empty() || rep.up_failed.is_some() || rep.generator_bug.is_some();
        if !interesting && rep.flaky.is_empty() && rep.overflow.is_empty() {
            return;
        }
        let file = write_findings(stem, yaml, &rep);
        let shown = file.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(&file).display().to_string();
        if let Some(g) = &rep.generator_bug {
            self.generator_bugs.push(format!("{shown}: {}", g.lines().next().unwrap_or_default()));
        }
        if let Some(u) = &rep.up_failed {
            self.up_failures.push(format!("{shown}: {}", u.lines().last().unwrap_or_default()));
        }
        for m in rep.mismatches {
            let e = self.signatures.entry(m.signature).or_insert((0, format!("{} ({shown})", m.line)));
            e.0 += 1;
        }
    }

    pub fn print(&self, elapsed: Duration) {
        eprintln!(
            "differential: {} labs, {} probes, {} mismatches in {} signatures, {} flaky, {} not judged (neighbour table overflow), {} up failures, {} generator bugs ({:.0?})",
            self.labs,
            self.probes,
            self.mismatches,
            self.signatures.len(),
            self.flaky,
            self.overflow,
            self.up_failures.len(),
            self.generator_bugs.len(),
            elapsed
        );
        eprintln!("drops: {} probes seen dropped by the logged rule the analyzer named", self.seen_dropped);
        eprintln!(
            "load balancers: {} ({} NLBs), {} probes through them ({} answered by a target), {} mismatches",
            self.albs, self.nlbs, self.alb_probes, self.alb_served, self.alb_mismatches
        );
        eprintln!(
            "network load balancers: {} probes through them ({} answered by a target), {} mismatches",
            self.nlb_probes, self.nlb_served, self.nlb_mismatches
        );
        eprintln!("services: {} ({} tasks placed)", self.services, self.service_tasks);
        eprintln!(
            "Cloud Map: {} labs, {} of their names asked (A and SRV, before and after a stop)",
            self.cloud_map_labs, self.cloud_map_names
        );
        eprintln!(
            "by name: {} connections to a DNS name through `check` ({} connected)",
            self.by_name, self.by_name_connected
        );
        eprintln!("labs changed while running (a service task stopped and replaced, probed again): {}", self.changed);
        let mut by_count: Vec<_> = self.signatures.iter().collect();
        by_count.sort_by_key(|(s, (n, _))| (std::cmp::Reverse(*n), (*s).clone()));
        for (sig, (n, example)) in by_count {
            eprintln!("{n:6}  {sig}\n        e.g. {example}");
        }
        for g in &self.generator_bugs {
            eprintln!("generator bug: {g}");
        }
        for u in &self.up_failures {
            eprintln!("up failed: {u}");
        }
    }
}
